//! API posture checks. (Skeleton.)
