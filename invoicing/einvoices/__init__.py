"""E-invoices: the portal's invoices and credit notes issued and received in the EU's structured formats.

- validation: the official schemas and business rules (shipped in rules/), run with lxml and Saxon-HE
- ubl: UBL 2.1 Peppol BIS Billing 3.0 Invoice / CreditNote written from an invoice, and read into an InvoiceInput
- compile_rules: our Peppol BIS 3 schematron compiled to the XSLT the validator runs
- cii: UN/CEFACT CII (Factur-X's XML) in the EN 16931 profile, written from an invoice and read into an InvoiceInput
"""
