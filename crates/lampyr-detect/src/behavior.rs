//! Behaviour detectors over sliding windows per actor. (Skeleton.)
