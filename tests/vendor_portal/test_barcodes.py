from django.template import Context, Template

from vendor_portal.barcodes import code128_svg, sscc_svg


def test_a_barcode_is_an_inline_svg_element_without_text():
    svg = code128_svg("INV-2026/001")
    assert svg.startswith("<svg ") and svg.endswith("</svg>") and 'class="barcode"' in svg
    assert "<?xml" not in svg and "<text" not in svg and " id=" not in svg  # several on a page, the value printed beside


def test_what_code_128_cannot_carry_draws_no_barcode():
    assert code128_svg(None) == code128_svg("") == ""
    assert code128_svg("Rechnung Nr. 5 – Größe") == ""  # not ASCII
    assert code128_svg("tab\there") == ""
    assert sscc_svg("12345") == sscc_svg("00614141000000001X") == sscc_svg(None) == ""
    assert sscc_svg("006141410000000012").startswith("<svg ")


def test_the_template_filters_give_markup_not_escaped_text():
    html = Template("{% load barcodes %}{{ number|code128 }}|{{ sscc|sscc_barcode }}").render(
        Context({"number": "<b>1</b>", "sscc": "006141410000000012"})
    )
    number, sscc = html.split("|")
    assert number.startswith("<svg ") and "<b>" not in number and "&lt;" not in number
    assert sscc.startswith("<svg ")
