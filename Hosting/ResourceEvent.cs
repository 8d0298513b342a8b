namespace Hosting;

/// <summary>One state change published by <see cref="ResourceNotificationService"/>.</summary>
public sealed record ResourceEvent(ResourceSnapshot Snapshot);
