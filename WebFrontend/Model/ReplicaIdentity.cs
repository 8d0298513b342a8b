namespace WebFrontend.Model;

/// <summary>Which replica this process is: <c>REPLICA_NAME</c>, sent as <c>X-Served-By</c> and shown on the pages.</summary>
public sealed record ReplicaIdentity(string Instance);
