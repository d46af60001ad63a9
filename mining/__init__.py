"""Mining: reads the event store and computes process views and KPIs; never writes exports."""
