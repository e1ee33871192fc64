//! Why a reform changes a household's result (to come).
