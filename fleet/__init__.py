"""The cloud service fleet managers use: model registry, artifact server,
desired/reported device state and staged rollouts (docs/fleet.md).

Modules, each with one job, so the web console can add pages on the same app:

* ``storage``  -- the one place that knows the database engine (URL, SQL dialect, migrations)
* ``registry`` -- signed bundles published into the registry and the artifact directory
* ``rollouts`` -- rollouts, waves and rollbacks driven by the devices' reported state
* ``mqtt``     -- the service's broker link: reported status in, retained desired state out
* ``artifacts`` / ``api`` -- HTTP routes (device downloads; the operator JSON API)
* ``app``      -- the ASGI application and its lifespan (the composition root)
* ``cli``      -- ``fleet publish | serve | rollout ... | rollback | devices | models``
"""
