using System.Runtime.CompilerServices;

// The functional tests drive load through the same small RESP connection the manager uses.
[assembly: InternalsVisibleTo("Cluster.FunctionalTests")]
