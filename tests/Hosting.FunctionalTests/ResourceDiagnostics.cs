using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace Hosting.FunctionalTests;

/// <summary>Every resource's state and last log lines, for the message of a test that failed to start its app.</summary>
internal static class ResourceDiagnostics
{
    public static async Task<string> DescribeAsync(DistributedApplication app)
    {
        var model = app.Services.GetRequiredService<DistributedApplicationModel>();
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var text = new System.Text.StringBuilder();
        foreach (var resource in model.Resources)
        {
            var state = await app.ResourceNotifications.WaitForResourceAsync(resource.Name, _ => true).WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
            text.AppendLine().Append($"{resource.Name}: {state?.Snapshot.State?.Text} health {state?.Snapshot.HealthStatus} exit {state?.Snapshot.ExitCode}");
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await foreach (var batch in loggers.GetAllAsync(resource).WithCancellation(cts.Token))
                {
                    foreach (var line in batch.TakeLast(10))
                    {
                        text.AppendLine().Append("    ").Append(line.Content);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        return text.ToString();
    }
}
