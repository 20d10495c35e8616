"""The codes of the programme: personnel categories, industries, question types, topics."""

from __future__ import annotations

CATEGORIES = ("leader", "manager", "team_leader")

# The four industries of the programme first, then the others the notices name.
INDUSTRIES = (
    "coal_mine",
    "non_coal_mine",
    "machinery",
    "rail_transport",
    "rail_construction",
    "hazardous_chemicals",
    "building_construction",
    "transport",
    "building_materials",
    "metallurgy",
)
GENERAL = "general"

QUESTION_TYPES = ("single", "multiple", "truefalse")

# Required content every paper samples (必学内容): the laws and the documentary.
REQUIRED_TOPICS = (
    "work_safety_law",
    "occupational_disease_law",
    "work_injury_regulations",
    "social_insurance_law",
    "criminal_law",
    "documentary",
)
# Industry hazard prevention has one topic per industry, named like the industry.
TOPICS = REQUIRED_TOPICS + INDUSTRIES

STATUSES = ("draft", "active", "retired")
