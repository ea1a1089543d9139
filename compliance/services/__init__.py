"""Every write (and the judgement) of the compliance programme, a module per use case.

- rate_cards: the retailer admin's draft versions, rules, waivers and publishing
- evaluation: the weekly judgement that raises chargebacks
- forecast: the fines forecast and its alerts
"""
