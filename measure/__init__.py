"""Measuring the relationship: retention and repeat purchase, cohorts, CLV by cohort, store and
platform, value-tier revenue and flows, members against matched non-members and the program's
return. It reads the store's orders by person (insights' profiles), loyalty's members and costs,
and campaigns' holdouts; nothing below it reads it."""
