"""The federal subjects of the Russian Federation, each with its federal district and the time
zone most of its population lives in (used as the applicant's default zone)."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class FederalDistrict(models.TextChoices):
    CENTRAL = "central", _("Central Federal District")
    NORTHWESTERN = "northwestern", _("Northwestern Federal District")
    SOUTHERN = "southern", _("Southern Federal District")
    NORTH_CAUCASIAN = "north_caucasian", _("North Caucasian Federal District")
    VOLGA = "volga", _("Volga Federal District")
    URAL = "ural", _("Ural Federal District")
    SIBERIAN = "siberian", _("Siberian Federal District")
    FAR_EASTERN = "far_eastern", _("Far Eastern Federal District")


@dataclass(frozen=True)
class Region:
    code: str
    name_ru: str
    name_en: str
    district: FederalDistrict
    timezone: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ru").startswith("en") else self.name_ru


_D = FederalDistrict
MSK = "Europe/Moscow"
YEKT = "Asia/Yekaterinburg"

REGIONS: tuple[Region, ...] = (
    # Central
    Region("31", "Белгородская область", "Belgorod Oblast", _D.CENTRAL, MSK),
    Region("32", "Брянская область", "Bryansk Oblast", _D.CENTRAL, MSK),
    Region("33", "Владимирская область", "Vladimir Oblast", _D.CENTRAL, MSK),
    Region("36", "Воронежская область", "Voronezh Oblast", _D.CENTRAL, MSK),
    Region("37", "Ивановская область", "Ivanovo Oblast", _D.CENTRAL, MSK),
    Region("40", "Калужская область", "Kaluga Oblast", _D.CENTRAL, MSK),
    Region("44", "Костромская область", "Kostroma Oblast", _D.CENTRAL, MSK),
    Region("46", "Курская область", "Kursk Oblast", _D.CENTRAL, MSK),
    Region("48", "Липецкая область", "Lipetsk Oblast", _D.CENTRAL, MSK),
    Region("50", "Московская область", "Moscow Oblast", _D.CENTRAL, MSK),
    Region("57", "Орловская область", "Oryol Oblast", _D.CENTRAL, MSK),
    Region("62", "Рязанская область", "Ryazan Oblast", _D.CENTRAL, MSK),
    Region("67", "Смоленская область", "Smolensk Oblast", _D.CENTRAL, MSK),
    Region("68", "Тамбовская область", "Tambov Oblast", _D.CENTRAL, MSK),
    Region("69", "Тверская область", "Tver Oblast", _D.CENTRAL, MSK),
    Region("71", "Тульская область", "Tula Oblast", _D.CENTRAL, MSK),
    Region("76", "Ярославская область", "Yaroslavl Oblast", _D.CENTRAL, MSK),
    Region("77", "Москва", "Moscow", _D.CENTRAL, MSK),
    # Northwestern
    Region("10", "Республика Карелия", "Republic of Karelia", _D.NORTHWESTERN, MSK),
    Region("11", "Республика Коми", "Komi Republic", _D.NORTHWESTERN, MSK),
    Region("29", "Архангельская область", "Arkhangelsk Oblast", _D.NORTHWESTERN, MSK),
    Region("35", "Вологодская область", "Vologda Oblast", _D.NORTHWESTERN, MSK),
    Region("39", "Калининградская область", "Kaliningrad Oblast", _D.NORTHWESTERN, "Europe/Kaliningrad"),
    Region("47", "Ленинградская область", "Leningrad Oblast", _D.NORTHWESTERN, MSK),
    Region("51", "Мурманская область", "Murmansk Oblast", _D.NORTHWESTERN, MSK),
    Region("53", "Новгородская область", "Novgorod Oblast", _D.NORTHWESTERN, MSK),
    Region("60", "Псковская область", "Pskov Oblast", _D.NORTHWESTERN, MSK),
    Region("78", "Санкт-Петербург", "Saint Petersburg", _D.NORTHWESTERN, MSK),
    Region("83", "Ненецкий автономный округ", "Nenets Autonomous Okrug", _D.NORTHWESTERN, MSK),
    # Southern
    Region("01", "Республика Адыгея", "Republic of Adygea", _D.SOUTHERN, MSK),
    Region("08", "Республика Калмыкия", "Republic of Kalmykia", _D.SOUTHERN, MSK),
    Region("23", "Краснодарский край", "Krasnodar Krai", _D.SOUTHERN, MSK),
    Region("30", "Астраханская область", "Astrakhan Oblast", _D.SOUTHERN, "Europe/Astrakhan"),
    Region("34", "Волгоградская область", "Volgograd Oblast", _D.SOUTHERN, "Europe/Volgograd"),
    Region("61", "Ростовская область", "Rostov Oblast", _D.SOUTHERN, MSK),
    Region("80", "Донецкая Народная Республика", "Donetsk People's Republic", _D.SOUTHERN, MSK),
    Region("81", "Луганская Народная Республика", "Luhansk People's Republic", _D.SOUTHERN, MSK),
    Region("82", "Республика Крым", "Republic of Crimea", _D.SOUTHERN, "Europe/Simferopol"),
    Region("84", "Херсонская область", "Kherson Oblast", _D.SOUTHERN, MSK),
    Region("85", "Запорожская область", "Zaporozhye Oblast", _D.SOUTHERN, MSK),
    Region("92", "Севастополь", "Sevastopol", _D.SOUTHERN, "Europe/Simferopol"),
    # North Caucasian
    Region("05", "Республика Дагестан", "Republic of Dagestan", _D.NORTH_CAUCASIAN, MSK),
    Region("06", "Республика Ингушетия", "Republic of Ingushetia", _D.NORTH_CAUCASIAN, MSK),
    Region("07", "Кабардино-Балкарская Республика", "Kabardino-Balkar Republic", _D.NORTH_CAUCASIAN, MSK),
    Region("09", "Карачаево-Черкесская Республика", "Karachay-Cherkess Republic", _D.NORTH_CAUCASIAN, MSK),
    Region("15", "Республика Северная Осетия — Алания", "Republic of North Ossetia–Alania", _D.NORTH_CAUCASIAN, MSK),
    Region("20", "Чеченская Республика", "Chechen Republic", _D.NORTH_CAUCASIAN, MSK),
    Region("26", "Ставропольский край", "Stavropol Krai", _D.NORTH_CAUCASIAN, MSK),
    # Volga
    Region("02", "Республика Башкортостан", "Republic of Bashkortostan", _D.VOLGA, YEKT),
    Region("12", "Республика Марий Эл", "Mari El Republic", _D.VOLGA, MSK),
    Region("13", "Республика Мордовия", "Republic of Mordovia", _D.VOLGA, MSK),
    Region("16", "Республика Татарстан", "Republic of Tatarstan", _D.VOLGA, MSK),
    Region("18", "Удмуртская Республика", "Udmurt Republic", _D.VOLGA, "Europe/Samara"),
    Region("21", "Чувашская Республика", "Chuvash Republic", _D.VOLGA, MSK),
    Region("43", "Кировская область", "Kirov Oblast", _D.VOLGA, "Europe/Kirov"),
    Region("52", "Нижегородская область", "Nizhny Novgorod Oblast", _D.VOLGA, MSK),
    Region("56", "Оренбургская область", "Orenburg Oblast", _D.VOLGA, YEKT),
    Region("58", "Пензенская область", "Penza Oblast", _D.VOLGA, MSK),
    Region("59", "Пермский край", "Perm Krai", _D.VOLGA, YEKT),
    Region("63", "Самарская область", "Samara Oblast", _D.VOLGA, "Europe/Samara"),
    Region("64", "Саратовская область", "Saratov Oblast", _D.VOLGA, "Europe/Saratov"),
    Region("73", "Ульяновская область", "Ulyanovsk Oblast", _D.VOLGA, "Europe/Ulyanovsk"),
    # Ural
    Region("45", "Курганская область", "Kurgan Oblast", _D.URAL, YEKT),
    Region("66", "Свердловская область", "Sverdlovsk Oblast", _D.URAL, YEKT),
    Region("72", "Тюменская область", "Tyumen Oblast", _D.URAL, YEKT),
    Region("74", "Челябинская область", "Chelyabinsk Oblast", _D.URAL, YEKT),
    Region("86", "Ханты-Мансийский автономный округ — Югра", "Khanty-Mansi Autonomous Okrug – Yugra", _D.URAL, YEKT),
    Region("89", "Ямало-Ненецкий автономный округ", "Yamalo-Nenets Autonomous Okrug", _D.URAL, YEKT),
    # Siberian
    Region("04", "Республика Алтай", "Altai Republic", _D.SIBERIAN, "Asia/Barnaul"),
    Region("17", "Республика Тыва", "Tuva Republic", _D.SIBERIAN, "Asia/Krasnoyarsk"),
    Region("19", "Республика Хакасия", "Republic of Khakassia", _D.SIBERIAN, "Asia/Krasnoyarsk"),
    Region("22", "Алтайский край", "Altai Krai", _D.SIBERIAN, "Asia/Barnaul"),
    Region("24", "Красноярский край", "Krasnoyarsk Krai", _D.SIBERIAN, "Asia/Krasnoyarsk"),
    Region("38", "Иркутская область", "Irkutsk Oblast", _D.SIBERIAN, "Asia/Irkutsk"),
    Region("42", "Кемеровская область — Кузбасс", "Kemerovo Oblast – Kuzbass", _D.SIBERIAN, "Asia/Novokuznetsk"),
    Region("54", "Новосибирская область", "Novosibirsk Oblast", _D.SIBERIAN, "Asia/Novosibirsk"),
    Region("55", "Омская область", "Omsk Oblast", _D.SIBERIAN, "Asia/Omsk"),
    Region("70", "Томская область", "Tomsk Oblast", _D.SIBERIAN, "Asia/Tomsk"),
    # Far Eastern
    Region("03", "Республика Бурятия", "Republic of Buryatia", _D.FAR_EASTERN, "Asia/Irkutsk"),
    Region("14", "Республика Саха (Якутия)", "Sakha (Yakutia) Republic", _D.FAR_EASTERN, "Asia/Yakutsk"),
    Region("25", "Приморский край", "Primorsky Krai", _D.FAR_EASTERN, "Asia/Vladivostok"),
    Region("27", "Хабаровский край", "Khabarovsk Krai", _D.FAR_EASTERN, "Asia/Vladivostok"),
    Region("28", "Амурская область", "Amur Oblast", _D.FAR_EASTERN, "Asia/Yakutsk"),
    Region("41", "Камчатский край", "Kamchatka Krai", _D.FAR_EASTERN, "Asia/Kamchatka"),
    Region("49", "Магаданская область", "Magadan Oblast", _D.FAR_EASTERN, "Asia/Magadan"),
    Region("65", "Сахалинская область", "Sakhalin Oblast", _D.FAR_EASTERN, "Asia/Sakhalin"),
    Region("75", "Забайкальский край", "Zabaykalsky Krai", _D.FAR_EASTERN, "Asia/Chita"),
    Region("79", "Еврейская автономная область", "Jewish Autonomous Oblast", _D.FAR_EASTERN, "Asia/Vladivostok"),
    Region("87", "Чукотский автономный округ", "Chukotka Autonomous Okrug", _D.FAR_EASTERN, "Asia/Anadyr"),
)

REGIONS_BY_CODE: dict[str, Region] = {region.code: region for region in REGIONS}


# The zones Russia's regions live in, west to east; offered as the participant's own zone.
# Russia keeps no daylight saving time, so one offset per zone holds all year.
def _utc_offset(tz: str) -> timedelta:
    return datetime(2026, 1, 1, tzinfo=ZoneInfo(tz)).utcoffset() or timedelta(0)


RUSSIAN_TIMEZONES: tuple[str, ...] = tuple(sorted({r.timezone for r in REGIONS}, key=lambda tz: (_utc_offset(tz), tz)))


def region_get(code: str) -> Region | None:
    return REGIONS_BY_CODE.get(code)


def region_choices() -> list[tuple[str, str]]:
    return sorted(((region.code, region.name) for region in REGIONS), key=lambda choice: choice[1])


def timezone_choices() -> list[tuple[str, str]]:
    return list(_timezone_choices())


@functools.lru_cache(maxsize=64)
def timezone_options_html(*, selected: str) -> SafeString:
    """The <option>s of a time-zone <select>, `selected` chosen: built once per zone, not by the
    template on every page (a loop of twenty-odd options was a tenth of the cabinet's template
    work, issue 14 §3). The labels are not translated: offsets and zone names."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == selected else "", label) for value, label in _timezone_choices()),
    )


@functools.cache
def _timezone_choices() -> tuple[tuple[str, str], ...]:
    # The offsets are fixed (see _utc_offset): worked out once, not on every cabinet page.
    def label(tz: str) -> str:
        hours = int(_utc_offset(tz).total_seconds() // 3600)
        return f"UTC{hours:+d} — {tz}"

    return tuple((tz, label(tz)) for tz in RUSSIAN_TIMEZONES)
