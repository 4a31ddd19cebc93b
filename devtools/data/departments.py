"""French departments used by the synthetic place generator (devtools/demo_data.py).

Embedded in Python rather than read from a file so the generator needs no I/O and mypy checks
the table. Figures are approximate and only serve to make demo data look plausible:

- ``city`` is the department's main city (prefecture or largest city); every synthetic place
  of the department is addressed there, even when its point falls in a neighbouring commune.
- ``postal_codes`` are real postal codes of that city (Paris is handled per arrondissement).
- ``lat``/``lon`` is the centre the generator scatters places around; for seaside and border
  cities ``clip`` (lat_min, lon_min, lat_max, lon_max) keeps points out of the sea or abroad.
- ``weight`` is the population in millions (about 2020): places are drawn in proportion.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AreaKind(StrEnum):
    """How widely places spread around the centre: a city, its ring, or a rural department."""

    PARIS = "paris"
    INNER_RING = "inner_ring"
    URBAN = "urban"
    RURAL = "rural"


SPREAD_KM: dict[AreaKind, float] = {
    AreaKind.PARIS: 2.5,
    # The inner ring around Paris is a thin crown: a wider spread would land in Paris itself.
    AreaKind.INNER_RING: 4.0,
    AreaKind.URBAN: 8.0,
    AreaKind.RURAL: 25.0,
}
"""Standard deviation of the gaussian scatter, in kilometres."""

MAX_RADIUS_KM: dict[AreaKind, float] = {
    # Paris is about 5 km from its centre to the ring road (Bois de Boulogne/Vincennes aside).
    AreaKind.PARIS: 5.0,
    AreaKind.INNER_RING: 8.0,
    AreaKind.URBAN: 20.0,
    AreaKind.RURAL: 45.0,
}
"""Points farther than this from the centre are drawn again (then pulled in) to stay plausible."""


@dataclass(frozen=True, slots=True)
class Department:
    code: str
    name: str
    region_code: str
    city: str
    city_code: str
    postal_codes: tuple[str, ...]
    lat: float
    lon: float
    weight: float
    kind: AreaKind
    quarters: tuple[str, ...] = ()
    clip: tuple[float, float, float, float] | None = None

    @property
    def postal_prefix(self) -> str:
        """First two digits of the department's postal codes (``20`` for Corsica)."""
        return self.postal_codes[0][:2]


@dataclass(frozen=True, slots=True)
class Arrondissement:
    number: int
    lat: float
    lon: float

    @property
    def postal_code(self) -> str:
        return f"750{self.number:02d}"

    @property
    def city_code(self) -> str:
        return f"751{self.number:02d}"


def _d(  # noqa: PLR0917 - a table row: positional keeps each row on two lines
    code: str,
    name: str,
    region: str,
    city: str,
    insee: str,
    postal: str,
    lat: float,
    lon: float,
    weight: float,
    kind: AreaKind,
    quarters: str = "",
    clip: tuple[float, float, float, float] | None = None,
) -> Department:
    # Compact row builder: postal codes and quarters are written as space/comma-separated text
    # so that each department fits on a few lines of the table below.
    return Department(
        code=code,
        name=name,
        region_code=region,
        city=city,
        city_code=insee,
        postal_codes=tuple(postal.split()),
        lat=lat,
        lon=lon,
        weight=weight,
        kind=kind,
        quarters=tuple(q.strip() for q in quarters.split(",") if q.strip()),
        clip=clip,
    )


P, IR, U, R = AreaKind.PARIS, AreaKind.INNER_RING, AreaKind.URBAN, AreaKind.RURAL

# fmt: off
DEPARTMENTS: tuple[Department, ...] = (
    # Île-de-France (region 11)
    _d("75", "Paris", "11", "Paris", "75056", "75001", 48.8566, 2.3522, 2.15, P,
       "Belleville, Barbès, La Chapelle, Stalingrad, Bastille, République, Gare du Nord, "
       "Ménilmontant, Porte de Clignancourt, Porte de la Villette, Montparnasse, Gare de Lyon"),
    _d("77", "Seine-et-Marne", "11", "Melun", "77288", "77000", 48.5394, 2.6600, 1.42, R),
    _d("78", "Yvelines", "11", "Versailles", "78646", "78000", 48.8049, 2.1204, 1.45, U,
       "Saint-Louis, Montreuil, Chantiers, Porchefontaine"),
    _d("91", "Essonne", "11", "Évry-Courcouronnes", "91228", "91000 91080", 48.6290, 2.4410,
       1.30, U),
    _d("92", "Hauts-de-Seine", "11", "Nanterre", "92050", "92000", 48.8924, 2.2071, 1.62, IR,
       "Université, Parc Sud, Vieux Pont"),
    _d("93", "Seine-Saint-Denis", "11", "Bobigny", "93008", "93000", 48.9086, 2.4397, 1.66, IR,
       "Pablo Picasso, Karl Marx, Salvador Allende"),
    _d("94", "Val-de-Marne", "11", "Créteil", "94028", "94000", 48.7904, 2.4556, 1.41, IR,
       "Mont-Mesly, Palais, Bords de Marne"),
    _d("95", "Val-d'Oise", "11", "Cergy", "95127", "95000 95800", 49.0364, 2.0761, 1.25, U),
    # Provence-Alpes-Côte d'Azur (93)
    _d("13", "Bouches-du-Rhône", "93", "Marseille", "13055",
       "13001 13002 13003 13004 13005 13006 13013 13014 13015", 43.3100, 5.3900, 2.04, U,
       "Belsunce, Noailles, Saint-Mauront, La Belle de Mai, Les Crottes, Saint-Louis",
       clip=(43.27, 5.365, 43.42, 5.55)),
    _d("06", "Alpes-Maritimes", "93", "Nice", "06088", "06000 06100 06300", 43.7102, 7.2620,
       1.09, U, "Vieux-Nice, Libération, Ariane, Saint-Roch",
       clip=(43.70, 7.20, 43.80, 7.33)),
    # Occitanie (76)
    _d("31", "Haute-Garonne", "76", "Toulouse", "31555", "31000 31100 31200 31300 31400 31500",
       43.6047, 1.4442, 1.42, U, "Mirail, Bagatelle, Saint-Cyprien, Arnaud-Bernard, Matabiau"),
    _d("34", "Hérault", "76", "Montpellier", "34172", "34000 34070 34080 34090", 43.6108,
       3.8767, 1.18, U, "Figuerolles, Mosson, Gambetta, Près d'Arènes",
       clip=(43.56, 3.70, 43.75, 4.05)),
    _d("48", "Lozère", "76", "Mende", "48095", "48000", 44.5181, 3.5000, 0.077, R),
    # Nouvelle-Aquitaine (75)
    _d("33", "Gironde", "75", "Bordeaux", "33063", "33000 33100 33200 33300 33800", 44.8378,
       -0.5792, 1.64, U, "Bastide, Saint-Michel, Chartrons, Bacalan, Belcier, Saint-Augustin"),
    _d("23", "Creuse", "75", "Guéret", "23096", "23000", 46.1716, 1.8716, 0.116, R),
    _d("87", "Haute-Vienne", "75", "Limoges", "87085", "87000 87100 87280", 45.8336, 1.2611,
       0.37, U, "Beaubreuil, Val de l'Aurence, Les Portes-Ferrées"),
    # Pays de la Loire (52) and Bretagne (53)
    _d("44", "Loire-Atlantique", "52", "Nantes", "44109", "44000 44100 44200 44300", 47.2184,
       -1.5536, 1.44, U, "Malakoff, Bellevue, Dervallières, Bottière, Île de Nantes"),
    _d("35", "Ille-et-Vilaine", "53", "Rennes", "35238", "35000 35200 35700", 48.1173, -1.6778,
       1.09, U, "Villejean, Le Blosne, Maurepas, Cleunay"),
    # Quimper as a city rather than the whole department: a 25 km spread from Quimper would
    # put many points in the bays of Douarnenez and Audierne.
    _d("29", "Finistère", "53", "Quimper", "29232", "29000", 47.9960, -4.1024, 0.92, U,
       "Kermoysan, Penhars, Ergué-Armel", clip=(47.93, -4.30, 48.15, -3.90)),
    # Hauts-de-France (32)
    _d("59", "Nord", "32", "Lille", "59350", "59000 59160 59260 59800", 50.6292, 3.0573, 2.61,
       U, "Wazemmes, Moulins, Fives, Lille-Sud, Vieux-Lille",
       clip=(50.50, 2.85, 50.70, 3.20)),
    _d("62", "Pas-de-Calais", "32", "Arras", "62041", "62000", 50.2910, 2.7775, 1.46, U),
    _d("80", "Somme", "32", "Amiens", "80021", "80000 80080 80090", 49.8941, 2.2958, 0.57, U,
       "Étouvie, Saint-Leu, Pierre Rollin"),
    # Grand Est (44)
    _d("67", "Bas-Rhin", "44", "Strasbourg", "67482", "67000 67100 67200", 48.5734, 7.7521, 1.14,
       U, "Neudorf, Hautepierre, Cronenbourg, Esplanade, Gare",
       # The Rhine, hence Germany, is about 4 km east of the cathedral.
       clip=(48.45, 7.55, 48.70, 7.78)),
    _d("57", "Moselle", "44", "Metz", "57463", "57000 57050 57070", 49.1193, 6.1757, 1.05, U,
       "Borny, Bellecroix, Sablon, Patrotte"),
    _d("51", "Marne", "44", "Reims", "51454", "51100", 49.2583, 4.0317, 0.57, U,
       "Croix-Rouge, Orgeval, Wilson"),
    # Auvergne-Rhône-Alpes (84)
    _d("69", "Rhône", "84", "Lyon", "69123",
       "69001 69002 69003 69004 69005 69006 69007 69008 69009", 45.7640, 4.8357, 1.88, U,
       "Guillotière, Croix-Rousse, Vaise, Part-Dieu, Perrache, États-Unis"),
    _d("38", "Isère", "84", "Grenoble", "38185", "38000 38100", 45.1885, 5.7245, 1.27, U,
       "Villeneuve, Mistral, Saint-Bruno, Teisseire"),
    _d("63", "Puy-de-Dôme", "84", "Clermont-Ferrand", "63113", "63000 63100", 45.7772, 3.0870,
       0.66, U, "Croix-de-Neyrat, Saint-Jacques, La Gauthière"),
    # Normandie (28)
    _d("76", "Seine-Maritime", "28", "Rouen", "76540", "76000 76100", 49.4431, 1.0993, 1.25, U,
       "Saint-Sever, Hauts de Rouen, Grammont"),
    _d("14", "Calvados", "28", "Caen", "14118", "14000", 49.1829, -0.3707, 0.69, U,
       "Guérinière, Chemin Vert, Pierre Heuzé", clip=(49.05, -0.60, 49.26, -0.15)),
    # Bourgogne-Franche-Comté (27) and Centre-Val de Loire (24)
    _d("21", "Côte-d'Or", "27", "Dijon", "21231", "21000", 47.3220, 5.0415, 0.53, U,
       "Grésilles, Fontaine d'Ouche, Chenôve"),
    _d("37", "Indre-et-Loire", "24", "Tours", "37261", "37000 37100 37200", 47.3941, 0.6848,
       0.61, U, "Sanitas, Rives du Cher, Fontaines"),
    _d("45", "Loiret", "24", "Orléans", "45234", "45000 45100", 47.9029, 1.9093, 0.68, U,
       "La Source, Argonne, Blossières"),
    # Corse (94): "2A" exercises the non-numeric department and INSEE codes.
    _d("2A", "Corse-du-Sud", "94", "Ajaccio", "2A004", "20000 20090", 41.9192, 8.7386, 0.16, U,
       "Les Salines, Les Jardins de l'Empereur", clip=(41.92, 8.70, 42.05, 8.90)),
)
# fmt: on

DEPARTMENTS_BY_CODE: dict[str, Department] = {d.code: d for d in DEPARTMENTS}

# Approximate centres of the built-up part of each arrondissement (woods left out of the 12th
# and 16th), used to give a Paris point the postal and INSEE codes of its nearest centre.
PARIS_ARRONDISSEMENTS: tuple[Arrondissement, ...] = tuple(
    Arrondissement(number, lat, lon)
    for number, lat, lon in (
        (1, 48.8625, 2.3364),
        (2, 48.8683, 2.3428),
        (3, 48.8630, 2.3600),
        (4, 48.8543, 2.3576),
        (5, 48.8445, 2.3497),
        (6, 48.8491, 2.3328),
        (7, 48.8562, 2.3122),
        (8, 48.8727, 2.3125),
        (9, 48.8771, 2.3375),
        (10, 48.8762, 2.3607),
        (11, 48.8590, 2.3800),
        (12, 48.8400, 2.3900),
        (13, 48.8283, 2.3623),
        (14, 48.8292, 2.3265),
        (15, 48.8401, 2.2929),
        (16, 48.8600, 2.2750),
        (17, 48.8873, 2.3067),
        (18, 48.8925, 2.3484),
        (19, 48.8871, 2.3848),
        (20, 48.8634, 2.4012),
    )
)
