"""GS1 company-prefix ranges of EAN-13 barcodes -> ISO3 of the GS1 member organisation.

The prefix says which national GS1 office issued the barcode to the brand owner, not
where the goods were made: a country inferred from it is ``inferred-ean``, never
``stated`` (890 = GS1 India). Ranges from GS1's public prefix list (main offices only).
"""

from __future__ import annotations

import functools

_RANGES = """
000-019 USA;030-039 USA;060-139 USA;300-379 FRA;380 BGR;383 SVN;385 HRV;387 BIH;389 MNE;400-440 DEU;
450-459 JPN;490-499 JPN;460-469 RUS;470 KGZ;471 TWN;474 EST;475 LVA;476 AZE;477 LTU;478 UZB;479 LKA;
480 PHL;481 BLR;482 UKR;483 TKM;484 MDA;485 ARM;486 GEO;487 KAZ;488 TJK;489 HKG;500-509 GBR;520-521 GRC;
528 LBN;529 CYP;530 ALB;531 MKD;535 MLT;539 IRL;540-549 BEL;560 PRT;569 ISL;570-579 DNK;590 POL;594 ROU;
599 HUN;600-601 ZAF;608 BHR;609 MUS;611 MAR;613 DZA;615 NGA;616 KEN;619 TUN;621 SYR;622 EGY;624 LBY;
625 JOR;626 IRN;627 KWT;628 SAU;629 ARE;640-649 FIN;690-699 CHN;700-709 NOR;729 ISR;730-739 SWE;740 GTM;
741 SLV;742 HND;743 NIC;744 CRI;745 PAN;746 DOM;750 MEX;754-755 CAN;759 VEN;760-769 CHE;770-771 COL;
773 URY;775 PER;777 BOL;778-779 ARG;780 CHL;784 PRY;786 ECU;789-790 BRA;800-839 ITA;840-849 ESP;850 CUB;
858 SVK;859 CZE;860 SRB;865 MNG;867 PRK;868-869 TUR;870-879 NLD;880 KOR;884 KHM;885 THA;888 SGP;890 IND;
893 VNM;896 PAK;899 IDN;900-919 AUT;930-939 AUS;940-949 NZL;955 MYS;958 MAC
"""


@functools.cache
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for item in _RANGES.replace("\n", "").split(";"):
        span, iso3 = item.split()
        low, _, high = span.partition("-")
        for prefix in range(int(low), int(high or low) + 1):
            table[prefix] = iso3
    return table


def valid_ean13(code: str, /) -> bool:
    """13 digits with a correct check digit."""
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12]))
    return (10 - total % 10) % 10 == int(code[12])


def country_of_ean(code: str | None, /) -> str | None:
    """ISO3 of the GS1 office that issued a valid EAN-13 (``890...`` -> ``IND``); ``None`` otherwise.

    Examples
    --------
    >>> country_of_ean("8901114306304"), country_of_ean("4603779007957"), country_of_ean("123")
    ('IND', 'RUS', None)
    """
    if not code or not valid_ean13(code):
        return None
    return _table().get(int(code[:3]))
