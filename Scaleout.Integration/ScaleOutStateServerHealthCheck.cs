using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Scaleout.Integration;

/// <summary>
/// Healthy when every configured SOSS endpoint answers PING through StackExchange.Redis and presents itself as a
/// Redis Cluster node, as SOSS's Redis-protocol endpoint does. Otherwise Unhealthy, with a description that names the
/// endpoint, what went wrong and the setting to fix (<c>Parameters:soss-hosts</c>, <c>ConnectionStrings:soss</c> or
/// <c>Parameters:soss-password</c>), because that description is what the dashboard shows.
/// </summary>
/// <remarks>
/// One connection is kept between checks (the AppHost checks every few seconds; reconnecting each time would churn
/// sockets on the SOSS hosts). It is made with <c>abortConnect=false</c> so that an unreachable host yields a result
/// naming it instead of one exception for the whole list, and StackExchange.Redis reconnects it in the background.
/// </remarks>
public sealed class ScaleOutStateServerHealthCheck : IHealthCheck, IAsyncDisposable, IDisposable
{
    private readonly ScaleOutStateServerSettings _settings;
    private readonly SemaphoreSlim _connectLock = new(1, 1);
    private ConnectionMultiplexer? _connection;

    /// <summary>Creates the check for the endpoints and credentials in <paramref name="settings"/>.</summary>
    public ScaleOutStateServerHealthCheck(ScaleOutStateServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["endpoints"] = string.Join(',', _settings.Endpoints),
            ["setting"] = _settings.Setting,
        };

        ConnectionMultiplexer connection;
        try
        {
            connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or ArgumentException)
        {
            return HealthCheckResult.Unhealthy(
                $"Could not connect to ScaleOut StateServer at {_settings}: {e.Message} Check {_settings.Setting}.", e, data);
        }

        // Grouped by what went wrong, so that three hosts refusing one password make one sentence, not three.
        var unreachable = new List<(ServerEndpoint Endpoint, string Cause)>();
        var refused = new List<(ServerEndpoint Endpoint, string Cause)>();
        var notCluster = new List<(ServerEndpoint Endpoint, ServerType Type)>();
        Exception? firstError = null;
        foreach (var endpoint in _settings.Endpoints)
        {
            IServer server;
            try
            {
                server = connection.GetServer(endpoint.Host, endpoint.Port);
                await server.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ArgumentException)
            {
                firstError ??= e;
                var (failureType, cause) = await DiagnoseAsync(endpoint, e).ConfigureAwait(false);
                (failureType == ConnectionFailureType.AuthenticationFailure ? refused : unreachable).Add((endpoint, cause));
                continue;
            }

            if (server.ServerType != ServerType.Cluster)
            {
                notCluster.Add((endpoint, server.ServerType));
            }
        }

        var problems = new List<string>();
        if (unreachable.Count > 0)
        {
            problems.Add($"{Endpoints(unreachable.Select(u => u.Endpoint))} (from {_settings.Setting}) did not answer " +
                         $"({string.Join("; ", unreachable.Select(u => u.Cause).Distinct())}). Check the host and port in " +
                         $"{_settings.Setting} (SOSS's Redis-protocol endpoint listens on port {ServerListParser.SossPort} " +
                         "unless configured otherwise) and that the host has joined the store ('soss query' lists the active hosts).");
        }

        if (refused.Count > 0)
        {
            var passwordSetting = _settings.PasswordSetting ?? ScaleOutStateServerConfiguration.PasswordSetting();
            problems.Add($"{Endpoints(refused.Select(r => r.Endpoint))} (from {_settings.Setting}) refused the credentials " +
                         $"({string.Join("; ", refused.Select(r => r.Cause).Distinct())}). Check {passwordSetting}.");
        }

        if (notCluster.Count > 0)
        {
            // The sample's clients route by the cluster slot map; a standalone server here is most often a plain
            // Redis (port 6379) given by mistake instead of SOSS's Redis-protocol endpoint.
            problems.Add($"{Endpoints(notCluster.Select(n => n.Endpoint))} (from {_settings.Setting}) answered as a " +
                         $"{notCluster[0].Type} Redis server, not as a cluster endpoint: is it SOSS's Redis-protocol port " +
                         $"({ServerListParser.SossPort} unless configured otherwise)? Check {_settings.Setting}.");
        }

        if (problems.Count > 0)
        {
            return HealthCheckResult.Unhealthy($"ScaleOut StateServer {string.Join(" Also ", problems)}", firstError, data);
        }

        return HealthCheckResult.Healthy($"ScaleOut StateServer answered at {string.Join(',', _settings.Endpoints)}.", data);
    }

    private static string Endpoints(IEnumerable<ServerEndpoint> endpoints)
    {
        var list = endpoints.ToList();
        return list.Count == 1 ? $"endpoint {list[0]}" : $"endpoints {string.Join(", ", list)}";
    }

    /// <summary>
    /// Why a PING failed, in words a person can act on. A short connection to that endpoint alone, which must connect
    /// or throw, tells it deterministically (the shared connection's failure events arrive on their own schedule, and
    /// StackExchange.Redis's own message is a state dump).
    /// </summary>
    private async Task<(ConnectionFailureType FailureType, string Cause)> DiagnoseAsync(ServerEndpoint endpoint, Exception error)
    {
        var options = Options();
        options.EndPoints.Clear();
        options.EndPoints.Add(endpoint.Host, endpoint.Port);
        options.AbortOnConnectFail = true;
        try
        {
            await using var probe = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            await probe.GetServer(endpoint.Host, endpoint.Port).PingAsync().ConfigureAwait(false);
            return (ConnectionFailureType.None, $"it answers again: {FirstSentence(error.Message)}");
        }
        catch (RedisConnectionException e)
        {
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is System.Net.Sockets.SocketException socket)
                {
                    return (e.FailureType, socket.Message);
                }
            }

            return e.FailureType switch
            {
                ConnectionFailureType.AuthenticationFailure => (e.FailureType, FirstSentence(e.InnerException?.Message ?? e.Message)),
                ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.UnableToConnect
                    or ConnectionFailureType.SocketFailure or ConnectionFailureType.SocketClosed
                    => (e.FailureType, "no connection: nothing listening there, or the host is down or unreachable"),
                _ => (e.FailureType, $"{e.FailureType}: {FirstSentence(e.Message)}"),
            };
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return (ConnectionFailureType.None, FirstSentence(e.Message));
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message.TrimEnd('.') : message[..end];
    }

    private async Task<ConnectionMultiplexer> GetConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { } existing)
        {
            return existing;
        }

        await _connectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { } raced)
            {
                return raced;
            }

            var options = Options();
            options.AbortOnConnectFail = false;
            // A PING to a host that is down fails at once instead of waiting in the backlog for a reconnect: the
            // result should come while the dashboard still asks, and name that host.
            options.BacklogPolicy = BacklogPolicy.FailFast;
            var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            _connection = connection;
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
    }

    private ConfigurationOptions Options()
    {
        var options = ConfigurationOptions.Parse(_settings.ConnectionString);
        options.ConnectRetry = 1;
        options.ClientName ??= "aspire-health-soss";
        if (!_settings.ConnectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            // Well under the health check's period, so that one unroutable host does not hold up the next check.
            options.ConnectTimeout = 3000;
        }

        return options;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            _connection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _connectLock.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
        _connectLock.Dispose();
    }
}
