// libpq connections, the scratch cluster, the test auth service and the load driver (issues #4–#6).
