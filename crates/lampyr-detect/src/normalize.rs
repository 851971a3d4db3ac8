//! (Skeleton: filled in by the attack-engine work.)
