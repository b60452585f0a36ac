// The NATS C client (Debian: libnats-dev), for the Cluster module only.
#include <nats/nats.h>
