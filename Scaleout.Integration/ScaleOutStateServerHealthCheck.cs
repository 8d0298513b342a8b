using System.Collections.Concurrent;
using System.Net;
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
    private readonly ConcurrentDictionary<EndPoint, ConnectionFailedEventArgs> _failures = new();
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

        var problems = new List<string>();
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
                problems.Add(DescribeUnreachable(connection, endpoint, e));
                continue;
            }

            if (server.ServerType != ServerType.Cluster)
            {
                // The sample's clients route by the cluster slot map; a standalone server here is most often a plain
                // Redis (port 6379) given by mistake instead of SOSS's Redis-protocol endpoint.
                problems.Add($"{endpoint} answered as a {server.ServerType} Redis server, not as a cluster endpoint: is it " +
                             $"SOSS's Redis-protocol port ({ServerListParser.SossPort} unless configured otherwise)? Check {_settings.Setting}.");
            }
        }

        if (problems.Count > 0)
        {
            return HealthCheckResult.Unhealthy(
                $"ScaleOut StateServer {string.Join(' ', problems)}", firstError, data);
        }

        return HealthCheckResult.Healthy($"ScaleOut StateServer answered at {string.Join(',', _settings.Endpoints)}.", data);
    }

    private string DescribeUnreachable(ConnectionMultiplexer connection, ServerEndpoint endpoint, Exception error)
    {
        // The connection's own failure events know the most (e.g. AuthenticationFailure after a reconnect); the
        // exception of the PING knows why the first connect failed, before those events were subscribed.
        var failureType = (error as RedisConnectionException)?.FailureType ?? ConnectionFailureType.None;
        var cause = error.InnerException?.Message;
        if (TryGetServerEndPoint(connection, endpoint, out var key) && _failures.TryGetValue(key, out var failure))
        {
            failureType = failure.FailureType;
            cause = failure.Exception?.InnerException?.Message ?? failure.Exception?.Message ?? cause;
        }

        var what = failureType == ConnectionFailureType.None ? error.Message : $"{failureType} ({cause ?? error.Message})";
        if (failureType == ConnectionFailureType.AuthenticationFailure)
        {
            var passwordSetting = _settings.PasswordSetting ?? ScaleOutStateServerConfiguration.PasswordSetting();
            return $"endpoint {endpoint} (from {_settings.Setting}) refused the credentials: {what}. Check {passwordSetting}.";
        }

        return $"endpoint {endpoint} (from {_settings.Setting}) did not answer: {what}. Check the host and port in " +
               $"{_settings.Setting} (SOSS's Redis-protocol endpoint listens on port {ServerListParser.SossPort} unless " +
               "configured otherwise) and that the host has joined the store ('soss query' lists the active hosts).";
    }

    private static bool TryGetServerEndPoint(ConnectionMultiplexer connection, ServerEndpoint endpoint, out EndPoint key)
    {
        try
        {
            key = connection.GetServer(endpoint.Host, endpoint.Port).EndPoint;
            return true;
        }
        catch (ArgumentException)
        {
            key = null!;
            return false;
        }
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

            var options = ConfigurationOptions.Parse(_settings.ConnectionString);
            options.AbortOnConnectFail = false;
            options.ClientName ??= "aspire-health-soss";
            if (!_settings.ConnectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
            {
                // Well under the health check's period, so that one unroutable host does not hold up the next check.
                options.ConnectTimeout = 3000;
            }

            var connection = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            connection.ConnectionFailed += (_, e) =>
            {
                if (e.EndPoint is not null)
                {
                    _failures[e.EndPoint] = e;
                }
            };
            connection.ConnectionRestored += (_, e) =>
            {
                if (e.EndPoint is not null)
                {
                    _failures.TryRemove(e.EndPoint, out ConnectionFailedEventArgs? _);
                }
            };

            _connection = connection;
            return connection;
        }
        finally
        {
            _connectLock.Release();
        }
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
