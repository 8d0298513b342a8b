namespace AppHost.Topologies;

/// <summary>Thrown when a topology switch is asked for while another one runs.</summary>
public sealed class TopologySwitchInProgressException(string message) : InvalidOperationException(message);
