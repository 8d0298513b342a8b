using System.Globalization;
using Hosting.Cluster;

namespace Cluster.FunctionalTests;

/// <summary>
/// A small cluster-aware client for the tests' load: routes by key slot, follows MOVED and ASK, waits out
/// TRYAGAIN/CLUSTERDOWN and reconnects after a node goes away. Stands in until RedisClient's cluster mode lands.
/// </summary>
internal sealed class ClusterTestClient : IAsyncDisposable
{
    private const int MaxAttempts = 50;
    private readonly string _password;
    private readonly int[] _owners = new int[ClusterSlotPlanner.SlotCount];
    private readonly Dictionary<int, RespConnection> _connections = [];
    private readonly List<int> _seeds;

    private ClusterTestClient(IEnumerable<int> seeds, string password)
    {
        _seeds = seeds.ToList();
        _password = password;
    }

    /// <summary>The MOVED and ASK redirects followed so far.</summary>
    public int Redirects { get; private set; }

    public static async Task<ClusterTestClient> ConnectAsync(RedisClusterManager cluster)
    {
        var client = new ClusterTestClient(cluster.Endpoints.Select(e => int.Parse(e[(e.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture)), cluster.Password);
        await client.RefreshAsync();
        return client;
    }

    public async Task SetAsync(string key, string value) => await ExecuteAsync(key, "SET", key, value);

    public async Task<string?> GetAsync(string key) => (string?)await ExecuteAsync(key, "GET", key);

    public async Task<object?> ExecuteAsync(string key, params string[] args)
    {
        var slot = KeySlot(key);
        var port = _owners[slot];
        var asking = false;
        Exception? last = null;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            object? reply;
            try
            {
                var connection = await GetConnectionAsync(port);
                reply = asking ? (await connection.PipelineAsync([["ASKING"], args], CancellationToken.None))[1] : await connection.ExecuteRawAsync(CancellationToken.None, args);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                // The node went away (killed or removed): learn the new map from whoever answers.
                last = ex;
                Drop(port);
                await Task.Delay(100);
                await RefreshAsync();
                port = _owners[slot];
                asking = false;
                continue;
            }

            asking = false;
            if (reply is not RespError error)
            {
                return reply;
            }

            last = new InvalidOperationException(error.Message);
            if (error.Message.StartsWith("MOVED ", StringComparison.Ordinal) || error.Message.StartsWith("ASK ", StringComparison.Ordinal))
            {
                Redirects++;
                var target = error.Message.Split(' ')[2];
                port = int.Parse(target[(target.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
                if (error.Message[0] == 'M')
                {
                    _owners[slot] = port;
                }
                else
                {
                    asking = true;
                }

                continue;
            }

            if (error.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || error.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal))
            {
                await Task.Delay(100);
                continue;
            }

            throw last;
        }

        throw new InvalidOperationException($"'{string.Join(' ', args)}' did not succeed after {MaxAttempts} attempts.", last);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync();
        }

        _connections.Clear();
    }

    /// <summary>CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384: the Redis Cluster key slot.</summary>
    public static int KeySlot(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        if (open >= 0)
        {
            var close = key.IndexOf('}', open + 1);
            if (close > open + 1)
            {
                key = key[(open + 1)..close];
            }
        }

        ushort crc = 0;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % ClusterSlotPlanner.SlotCount;
    }

    private async Task RefreshAsync()
    {
        foreach (var seed in _seeds.Concat(_connections.Keys).Distinct().ToList())
        {
            try
            {
                var connection = await GetConnectionAsync(seed);
                var slots = (object?[]?)await connection.ExecuteAsync(CancellationToken.None, "CLUSTER", "SLOTS") ?? [];
                foreach (object?[] range in slots.Cast<object?[]>())
                {
                    var owner = (object?[])range[2]!;
                    var port = (int)(long)owner[1]!;
                    for (var s = (int)(long)range[0]!; s <= (int)(long)range[1]!; s++)
                    {
                        _owners[s] = port;
                    }

                    if (!_seeds.Contains(port))
                    {
                        _seeds.Add(port);
                    }
                }

                return;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or RespErrorException)
            {
                Drop(seed);
            }
        }

        throw new InvalidOperationException("No cluster node answers CLUSTER SLOTS.");
    }

    private async Task<RespConnection> GetConnectionAsync(int port)
    {
        if (!_connections.TryGetValue(port, out var connection))
        {
            connection = await RespConnection.ConnectAsync("127.0.0.1", port, _password, CancellationToken.None);
            _connections[port] = connection;
        }

        return connection;
    }

    private void Drop(int port)
    {
        if (_connections.Remove(port, out var connection))
        {
            _ = connection.DisposeAsync();
        }
    }
}
