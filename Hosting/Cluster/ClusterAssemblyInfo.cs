using System.Runtime.CompilerServices;

// The functional tests drive load through the same small RESP connection the manager uses; the unit tests read
// CLUSTER NODES lines through the same parser.
[assembly: InternalsVisibleTo("Cluster.FunctionalTests")]
[assembly: InternalsVisibleTo("Hosting.UnitTests")]
