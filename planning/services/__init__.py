"""Every write on forecasts and promotions, a module per use case. The screens, the upload, the API and
the demo call these.

- forecasts: weekly forecasts checked and published
- promotions: deals drafted, shared, confirmed or declined, cancelled, ended
- _common: what both share
"""
