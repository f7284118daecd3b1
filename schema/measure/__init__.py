"""The admin API's measurement: retention, cohorts, CLV breakdowns, value-tier revenue and flows, program impact."""
