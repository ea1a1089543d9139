"""Who may manage webhooks: the vendor's admins, and tokens with the "webhooks" scope."""

from vendor_portal.roles import Action

MANAGE_WEBHOOKS = Action.MANAGE_WEBHOOKS
