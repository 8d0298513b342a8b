using System.Net.Http.Json;
using System.Text.Json;

namespace AppHost.EndToEndTests;

/// <summary>
/// The built AppHost as a person runs it (<c>dotnet AppHost.dll</c>, with the dashboard), on free ports and a temp
/// state folder, started once per test collection; ready when the start topology is applied.
/// </summary>
public sealed class RunningAppHost : IAsyncLifetime
{
    private readonly DirectoryInfo _state;
    private readonly bool _ownsState;
    private readonly string[] _extraArgs;

    /// <summary>On a temp state folder of its own (deleted on dispose).</summary>
    public RunningAppHost()
        : this(null)
    {
    }

    // A given folder belongs to the caller (a test that starts twice on the same state); a temp one to this instance.
    private RunningAppHost(string? stateDirectory, params string[] extraArgs)
    {
        _extraArgs = extraArgs;
        _state = stateDirectory is null ? Directory.CreateTempSubdirectory("apphost-run-") : new DirectoryInfo(stateDirectory);
        _ownsState = stateDirectory is null;
    }

    /// <summary>On <paramref name="stateDirectory"/>, which the caller keeps and deletes.</summary>
    public static RunningAppHost OnState(string stateDirectory) => new(stateDirectory);

    /// <summary>On a temp state folder of its own, with more AppHost options (<c>--containers local</c>).</summary>
    public static RunningAppHost WithArgs(params string[] args) => new(null, args);

    /// <summary>The process.</summary>
    public AppHostProcess Process { get; private set; } = null!;

    /// <summary>The dashboard's login link, as the AppHost printed it.</summary>
    public Uri LoginUrl { get; private set; } = null!;

    /// <summary>The dashboard's address.</summary>
    public Uri Dashboard { get; private set; } = null!;

    /// <summary>The load balancer's address.</summary>
    public Uri LoadBalancer { get; private set; } = null!;

    /// <summary>The control API.</summary>
    public HttpClient Control { get; private set; } = null!;

    /// <summary>The state folder.</summary>
    public string StateDirectory => _state.FullName;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var (lb, dashboard, control) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        Process = AppHostProcess.Start(
        [
            "--lb-port", $"{lb}", "--dashboard-port", $"{dashboard}", "--control-port", $"{control}", "--state-dir", _state.FullName,
            $"--ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://127.0.0.1:{FreePorts.Next()}", .. _extraArgs,
        ]);
        LoadBalancer = new Uri($"http://127.0.0.1:{lb}");
        Dashboard = new Uri($"http://127.0.0.1:{dashboard}");
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{control}"), Timeout = TimeSpan.FromMinutes(3) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var line = await Process.WaitForLineAsync("Login URL:", timeout.Token);
        LoginUrl = new Uri(line[(line.IndexOf("http", StringComparison.Ordinal))..].Trim());
        await WaitForTopologyAsync(timeout.Token);
    }

    /// <summary>Waits until <c>GET /api/topology</c> names a current topology (the start topology was applied).</summary>
    public async Task WaitForTopologyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var status = await Control.GetFromJsonAsync<JsonElement>("/api/topology", cancellationToken);
                if (status.GetProperty("current").ValueKind == JsonValueKind.String)
                {
                    return;
                }
                if (status.GetProperty("lastError").GetString() is { } error)
                {
                    throw new InvalidOperationException($"The start topology failed: {error}");
                }
            }
            catch (HttpRequestException)
            {
                // The control API starts a moment after the process.
            }
            if (Process.Process.HasExited)
            {
                throw new InvalidOperationException($"The AppHost exited ({Process.Process.ExitCode}): {Process.Output}");
            }
            await Task.Delay(200, cancellationToken);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        Control?.Dispose();
        if (Process is not null)
        {
            await Process.StopAsync();
            Process.Dispose();
        }
        try
        {
            if (_ownsState)
            {
                _state.Delete(recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
