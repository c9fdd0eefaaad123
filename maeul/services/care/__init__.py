"""The care safety net (돌봄 안전망): wellbeing checks for elderly and disabled people living alone."""
