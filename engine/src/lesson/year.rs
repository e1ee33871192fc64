//! A household's year, month by month (to come).
