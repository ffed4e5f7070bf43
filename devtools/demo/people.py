"""The demo's people: fixed staff and citizens to sign in as (README), and the names the generated ones are drawn from."""
from __future__ import annotations

from stomi_app.models import Role
from stomi_app.models.citizen import StomaType

DEMO_PASSWORD = "stomi-demo-2026"

# Documented figures: Midtjylland ~4,800 citizens with a stoma grant, Syddanmark ~4,000, Aarhus 871.
REGION_CITIZENS = {1082: 4800, 1083: 4000}
KNOWN_CITIZENS = {751: 871}
NATIONAL_CITIZENS = 100_000

DEMO_STAFF = [
    # e-mail, name, role, municipality code, region code, workplace
    ("admin@stomi-demo.dk", "Susanne Holm", Role.FSC_ADMIN, None, None, "FSC-sekretariatet"),
    ("sygeplejerske.aarhus@stomi-demo.dk", "Mette Lauridsen", Role.NURSE, 751, None, "Aarhus Kommune, Sundhed og Omsorg"),
    ("sygeplejerske.auh@stomi-demo.dk", "Anne Kjær", Role.NURSE, None, 1082, "Aarhus Universitetshospital"),
    ("sygeplejerske.ouh@stomi-demo.dk", "Louise Bech", Role.NURSE, None, 1083, "Odense Universitetshospital"),
    ("bevilling.aarhus@stomi-demo.dk", "Peter Vestergaard", Role.GRANT_OFFICER, 751, None, None),
    ("bevilling.odense@stomi-demo.dk", "Hanne Frost", Role.GRANT_OFFICER, 461, None, None),
    ("leder.aarhus@stomi-demo.dk", "Karen Brandt", Role.MUNICIPAL_MANAGER, 751, None, None),
    ("callcenter@stomi-demo.dk", "Camilla Dahl", Role.CALLCENTER, None, None, "Fælles Servicecenter"),
    ("lager@stomi-demo.dk", "Lagerlogistik A/S", Role.WAREHOUSE, None, None, "Lagerlogistik A/S"),
    ("tofaktor@stomi-demo.dk", "Tove Faktor", Role.CALLCENTER, None, None, "Fælles Servicecenter"),
]
# The demo user who signs in with a second factor, enrolled with this published TOTP secret (README): add it to an
# authenticator app, or print the code with `python -c "import pyotp; print(pyotp.TOTP('…').now())"`. Demo only.
DEMO_TOTP_USER = "tofaktor@stomi-demo.dk"
DEMO_TOTP_SECRET = "STOMIDEMOTWOFACTORKEYFORTHEDEMOS"

# Fixed citizens so the demo and the e2e tests can log in by a known CPR number.
DEMO_CITIZENS = [
    ("1503481234", "Birthe Nielsen", 751, StomaType.COLOSTOMY, "Vestergade 12, 2. th"),
    ("0207562345", "Jens Mikkelsen", 461, StomaType.ILEOSTOMY, "Kongensgade 40"),
    ("1112403456", "Aase Christensen", 751, StomaType.UROSTOMY, "Frederiks Allé 101"),
]

FIRST_NAMES = [
    "Anne", "Kirsten", "Hanne", "Mette", "Anna", "Helle", "Susanne", "Lene", "Maria", "Marianne", "Inge",
    "Karen", "Lone", "Bente", "Camilla", "Pia", "Jette", "Birthe", "Else", "Ruth", "Grethe", "Kirsten",
    "Peter", "Jens", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders", "Poul",
    "Hans", "Erik", "Ole", "Per", "Bent", "Finn", "Knud", "Svend", "Jørgen", "Kurt", "Preben", "Leif",
]
LAST_NAMES = [
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
    "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen", "Laursen", "Lund", "Holm", "Schmidt",
]
STREETS = [
    "Vestergade", "Østergade", "Nørregade", "Søndergade", "Skolevej", "Kirkevej", "Møllevej", "Engvej",
    "Birkevej", "Egevej", "Bøgevej", "Stationsvej", "Parkvej", "Solvænget", "Rosenvænget", "Havnegade",
    "Storegade", "Bakkevej", "Skovvej", "Industrivej", "Fasanvej", "Lærkevej", "Toftevej", "Ahornvej",
]
