using Microsoft.Extensions.Logging;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>What an <see cref="AutoRestartAnnotation"/> hook gets: the resource, its console log and the app's services.</summary>
/// <param name="Resource">The resource that exited or came back.</param>
/// <param name="Logger">The resource's console log in the dashboard.</param>
/// <param name="Services">The AppHost's services.</param>
/// <param name="CancellationToken">Canceled when the AppHost stops or someone stops the resource.</param>
public sealed record AutoRestartContext(IResource Resource, ILogger Logger, IServiceProvider Services, CancellationToken CancellationToken);
