"""Amazon's vendor shipping operations (vendorShipments.json) over the portal's shipments.

- submissions: SubmitShipmentConfirmations and SubmitShipments, checked at the door and mapped onto the
  shipments services by the transaction worker
- listing: GetShipmentDetails and GetShipmentLabels, filtered and paged by keyset
- representations: a Shipment and a TransportLabel in Amazon's shapes
"""
