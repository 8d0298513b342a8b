using System.Diagnostics;
using System.Reflection;
using System.Text;
using TestServers;

namespace WebFrontend.FunctionalTests;

/// <summary>
/// CatalogApi as a real process from its build output (it cannot share this test process with WebFrontend: both
/// have a top-level <c>Program</c>), on a free port, ended on dispose.
/// </summary>
public sealed class CatalogApiProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private CatalogApiProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The base address, <c>http://127.0.0.1:port</c>.</summary>
    public Uri Address { get; }

    /// <summary>Starts CatalogApi on <paramref name="connectionString"/> and waits until <c>/health</c> is healthy.</summary>
    public static async Task<CatalogApiProcess> StartAsync(string connectionString, string? otlpEndpoint)
    {
        var address = new Uri($"http://127.0.0.1:{RedisServers.FreePort()}");
        var dll = FindCatalogApiDll();
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            // The content root (appsettings.json) is the working directory.
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_URLS"] = address.ToString();
        info.Environment["ConnectionStrings__catalogdb"] = connectionString;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        if (otlpEndpoint is not null)
        {
            info.Environment["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlpEndpoint;
            info.Environment["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
            info.Environment["OTEL_SERVICE_NAME"] = "catalogapi";
            info.Environment["OTEL_BSP_SCHEDULE_DELAY"] = "200";
        }

        var api = new CatalogApiProcess(Process.Start(info)!, address);
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/health")).IsSuccessStatusCode)
                {
                    return api;
                }
            }
            catch (HttpRequestException) when (!api._process.HasExited)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!api._process.HasExited)
            {
                // Busy starting.
            }
            if (api._process.HasExited || DateTime.UtcNow > deadline)
            {
                var output = api.Output;
                await api.DisposeAsync();
                throw new InvalidOperationException($"CatalogApi did not become healthy:\n{output}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>What the process printed.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private static string FindCatalogApiDll()
    {
        var configuration = typeof(CatalogApiProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Aspire.sln")))
        {
            directory = directory.Parent;
        }
        if (directory is null)
        {
            throw new InvalidOperationException("Aspire.sln not found above the test's folder.");
        }
        var dll = Path.Combine(directory.FullName, "CatalogApi", "bin", configuration, "net10.0", "CatalogApi.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} not found: build CatalogApi ({configuration}) first.");
    }
}
