"""The org tree: 清远供电局, its county bureaus and their supply stations (urban and rural)."""

from __future__ import annotations

from dataclasses import dataclass

CITY = ("QY", "清远供电局")

# (code, name, towns — the first `urban` of them are urban stations)
COUNTIES: tuple[tuple[str, str, int, tuple[str, ...]], ...] = (
    ("QC", "清城供电局", 5, ("凤城", "东城", "洲心", "横荷", "源潭", "龙塘", "石角", "飞来峡", "银盏")),
    ("QX", "清新供电局", 2, ("太和", "太平", "山塘", "三坑", "龙颈", "禾云", "浸潭", "石潭")),
    ("YD", "英德供电局", 2, ("英城", "大站", "望埠", "横石水", "桥头", "青塘", "白沙", "西牛", "九龙",
                              "浛洸", "大湾", "连江口")),
    ("LZ", "连州供电局", 1, ("连州", "星子", "大路边", "龙坪", "西岸", "保安", "东陂")),
    ("FG", "佛冈供电局", 1, ("城区", "汤塘", "龙山", "水头", "迳头", "高岗")),
    ("YS", "阳山供电局", 1, ("阳城", "七拱", "杜步", "黎埠", "小江", "青莲", "江英", "岭背")),
    ("LS", "连山供电局", 1, ("吉田", "太保", "永和", "福堂", "小三江")),
    ("LN", "连南供电局", 1, ("三江", "寨岗", "大麦山", "香坪", "涡水")),
)


@dataclass(frozen=True)
class Station:
    code: str
    name: str
    county: str
    area_type: str  # urban | rural


@dataclass(frozen=True)
class OrgTree:
    counties: tuple[tuple[str, str], ...]  # (code, name)
    stations: tuple[Station, ...]

    def units(self) -> list[dict[str, str | None]]:
        """The org-unit upsert body rows, parents first."""
        rows: list[dict[str, str | None]] = [
            {"code": CITY[0], "name": CITY[1], "level": "city", "parent": None, "area_type": "urban"}]
        rows += [{"code": c, "name": n, "level": "county", "parent": CITY[0], "area_type": None}
                 for c, n in self.counties]
        rows += [{"code": s.code, "name": s.name, "level": "station", "parent": s.county, "area_type": s.area_type}
                 for s in self.stations]
        return rows


def build_org(size: float = 1.0) -> OrgTree:
    """60 stations at size 1; fewer (at least one per county) for a smaller demo."""
    counties, stations = [], []
    for code, name, urban, towns in COUNTIES:
        county = f"{CITY[0]}-{code}"
        counties.append((county, name))
        keep = max(1, round(len(towns) * size))
        for i, town in enumerate(towns[:keep], start=1):
            stations.append(Station(f"{county}-{i:02d}", f"{town}供电所", county, "urban" if i <= urban else "rural"))
    return OrgTree(tuple(counties), tuple(stations))
