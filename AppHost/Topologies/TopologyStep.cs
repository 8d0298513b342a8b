namespace AppHost.Topologies;

/// <summary>One step of a topology switch, as the API returns it and the console logs it.</summary>
/// <param name="AtMilliseconds">Time since the switch began.</param>
/// <param name="Step">A short name: <c>start</c>, <c>flush</c>, <c>drain</c>, <c>switch</c>, <c>enable</c>, <c>lb</c>, <c>done</c>.</param>
/// <param name="Message">What happened.</param>
public sealed record TopologyStep(double AtMilliseconds, string Step, string Message);
