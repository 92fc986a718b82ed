"""Published prison-system figures that shape the synthetic demo systems.

From the World Prison Brief and national prison services (see shared data/prison-systems.csv
of the Custos project): occupancy and remand share per country. Where no figure was
published the demo uses a stated assumption, never a silent guess.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CountryProfile:
    iso2: str
    name: str
    occupancy_pct: float  # population / official capacity × 100
    remand_pct: float
    female_pct: float
    juvenile_pct: float
    scripts: tuple[str, ...]  # scripts names are recorded in, primary first
    city: str
    latitude: float = 0.0  # the city's, roughly: facilities and families are placed around it
    longitude: float = 0.0


ASSUMED = 150.0  # occupancy where none was published (Mali, Kosovo, Kazakhstan)

PROFILES = (
    CountryProfile("ML", "Mali", ASSUMED, 61.55, 2.5, 2.0, ("latn", "arab"), "Bamako",
                   12.64, -8.0),
    CountryProfile("MA", "Morocco", 161.0, 39.0, 2.47, 1.22, ("latn", "arab"), "Salé",
                   34.04, -6.8),
    CountryProfile("XK", "Kosovo", 100.0, 30.0, 2.0, 1.5, ("latn",), "Dubrava",
                   42.63, 20.56),
    CountryProfile("KZ", "Kazakhstan", 100.0, 25.0, 5.0, 0.5, ("cyrl", "latn"), "Astana",
                   51.17, 71.45),
    CountryProfile("TN", "Tunisia", 126.4, 54.9, 3.3, 0.2, ("latn", "arab"), "Mornaguia",
                   36.76, 10.01),
    CountryProfile("UG", "Uganda", 371.6, 45.76, 4.6, 1.0, ("latn",), "Luzira",
                   0.3, 32.63),
    CountryProfile("NE", "Niger", ASSUMED, 64.67, 3.12, 4.68, ("latn", "arab"), "Koutoukalé",
                   13.69, 1.86),
    CountryProfile("NG", "Nigeria", 125.6, 64.0, 2.23, 1.0, ("latn",), "Kuje",
                   8.88, 7.23),
)
