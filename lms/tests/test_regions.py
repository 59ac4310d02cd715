from collections import Counter

import pytest

from lms.regions import REGIONS, FederalDistrict, region_get


def test_all_federal_subjects_are_listed_once():
    assert len(REGIONS) == 89
    assert len({r.code for r in REGIONS}) == 89
    assert len({r.name_ru for r in REGIONS}) == 89


def test_district_sizes():
    sizes = Counter(r.district for r in REGIONS)
    assert sizes == {
        FederalDistrict.CENTRAL: 18,
        FederalDistrict.NORTHWESTERN: 11,
        FederalDistrict.SOUTHERN: 12,
        FederalDistrict.NORTH_CAUCASIAN: 7,
        FederalDistrict.VOLGA: 14,
        FederalDistrict.URAL: 6,
        FederalDistrict.SIBERIAN: 10,
        FederalDistrict.FAR_EASTERN: 11,
    }


@pytest.mark.parametrize(
    ("code", "district", "tz"),
    [
        ("77", FederalDistrict.CENTRAL, "Europe/Moscow"),
        ("78", FederalDistrict.NORTHWESTERN, "Europe/Moscow"),
        ("39", FederalDistrict.NORTHWESTERN, "Europe/Kaliningrad"),
        ("16", FederalDistrict.VOLGA, "Europe/Moscow"),
        ("02", FederalDistrict.VOLGA, "Asia/Yekaterinburg"),
        ("66", FederalDistrict.URAL, "Asia/Yekaterinburg"),
        ("54", FederalDistrict.SIBERIAN, "Asia/Novosibirsk"),
        ("03", FederalDistrict.FAR_EASTERN, "Asia/Irkutsk"),
        ("41", FederalDistrict.FAR_EASTERN, "Asia/Kamchatka"),
        ("26", FederalDistrict.NORTH_CAUCASIAN, "Europe/Moscow"),
        ("82", FederalDistrict.SOUTHERN, "Europe/Simferopol"),
    ],
)
def test_region_maps_to_district_and_zone(code, district, tz):
    region = region_get(code)
    assert (region.district, region.timezone) == (district, tz)


def test_unknown_region():
    assert region_get("00") is None
