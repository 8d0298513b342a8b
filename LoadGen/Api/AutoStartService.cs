namespace LoadGen.Api;

/// <summary>Starts the default workload when the service starts (<c>LoadGen:AutoStart=true</c>) and stops it at shutdown.</summary>
internal sealed class AutoStartService(LoadService service, IHostApplicationLifetime lifetime, ILogger<AutoStartService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = StartDefaultAsync());
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await service.StopAsync();

    private async Task StartDefaultAsync()
    {
        var errors = service.Defaults.Validate();
        if (errors.Count > 0)
        {
            logger.LogError("LoadGen:AutoStart is set but the default workload is not valid: {Errors}. Set services__lb__http__0 or LoadGen:Workload:BaseUrl.",
                string.Join(" ", errors.Select(e => $"{e.Key}: {e.Value[0]}")));
            return;
        }

        await service.StartAsync(service.Defaults);
    }
}
