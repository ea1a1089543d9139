"""X12 004010 acknowledgment code lists, named so a Problem says which rule it breaks.

Each enum is the code list of the element that reports the fault: TA105 for the interchange,
AK905 for a functional group, AK502 for a transaction set, AK304 for a segment, AK403 for an
element. The members are `str`, so `SetError.SEGMENT_COUNT_MISMATCH == "4"`.
"""

from enum import StrEnum


class InterchangeNote(StrEnum):
    """I18 Interchange Note Code (TA105)."""

    NO_ERROR = "000"
    CONTROL_NUMBER_MISMATCH = "001"
    INVALID_SEGMENT_TERMINATOR = "004"
    INVALID_SENDER_QUALIFIER = "005"
    INVALID_SENDER_ID = "006"
    INVALID_RECEIVER_QUALIFIER = "007"
    INVALID_RECEIVER_ID = "008"
    INVALID_AUTHORIZATION_QUALIFIER = "010"
    INVALID_AUTHORIZATION_VALUE = "011"
    INVALID_SECURITY_QUALIFIER = "012"
    INVALID_SECURITY_VALUE = "013"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_STANDARDS_ID = "016"
    INVALID_VERSION = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_ACK_REQUESTED = "019"
    INVALID_TEST_INDICATOR = "020"
    INVALID_GROUP_COUNT = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    PREMATURE_END = "023"
    INVALID_CONTENT = "024"
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"


class GroupError(StrEnum):
    """716 Functional Group Syntax Error Code (AK905-AK909)."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"
    CONTROL_NUMBER_INVALID = "6"


class SetError(StrEnum):
    """718 Transaction Set Syntax Error Code (AK502-AK506)."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    INVALID_SET_ID = "6"
    INVALID_CONTROL_NUMBER = "7"
    CONTROL_NUMBER_NOT_UNIQUE = "23"


class SegmentError(StrEnum):
    """720 Segment Syntax Error Code (AK304)."""

    UNRECOGNIZED_ID = "1"
    UNEXPECTED = "2"
    MANDATORY_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    OVER_MAXIMUM_USE = "5"
    NOT_IN_SET = "6"
    OUT_OF_SEQUENCE = "7"
    HAS_ELEMENT_ERRORS = "8"


class ElementError(StrEnum):
    """723 Data Element Syntax Error Code (AK403)."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"


class AckCode(StrEnum):
    """717 / 715 acknowledgment codes (AK501, AK901) and TA104."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"  # AK901 only: at least one set was rejected
    REJECTED = "R"
