namespace Dashboard;

/// <summary>One replica as <c>GET /api/resources</c> returns it.</summary>
public sealed record ResourceInfo(
    string Name,
    string Type,
    int Replica,
    string State,
    string? Health,
    int? Pid,
    IReadOnlyList<string> Endpoints,
    int Restarts,
    int? ExitCode,
    string? Message);
