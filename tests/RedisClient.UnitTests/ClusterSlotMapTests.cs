using System.Net;
using RedisClient.Internal;

namespace RedisClient.UnitTests;

public class ClusterSlotMapTests
{
    [Fact]
    public void ClusterSlotsRepliesMapEverySlotToItsMaster()
    {
        var reply = Array(
            Array(Int(0), Int(5460), Array(Text("127.0.0.1"), Int(7000), Text("id0")), Array(Text("127.0.0.1"), Int(7003), Text("id3"))),
            Array(Int(5461), Int(10922), Array(Text(""), Int(7001), Text("id1"))),
            Array(Int(10923), Int(16383), Array(Text("127.0.0.1"), Int(7002), Text("id2"))));

        var map = ClusterSlotMap.Parse(reply, new DnsEndPoint("10.0.0.9", 7001));

        Assert.Equal(16384, map.CoveredSlots);
        Assert.Equal(3, map.Masters.Count);
        Assert.Equal(7000, map.GetMaster(0)!.Port);
        Assert.Equal(7000, map.GetMaster(5460)!.Port);
        Assert.Equal("10.0.0.9", map.GetMaster(5461)!.Host);
        Assert.Equal(7002, map.GetMaster(16383)!.Port);
    }

    [Fact]
    public void AMovedSlotPointsToItsNewMaster()
    {
        var map = ClusterSlotMap.Parse(Array(Array(Int(0), Int(16383), Array(Text("127.0.0.1"), Int(7000)))), new DnsEndPoint("127.0.0.1", 7000));
        map.SetMaster(42, new DnsEndPoint("127.0.0.1", 7005));
        Assert.Equal(7005, map.GetMaster(42)!.Port);
        Assert.Equal(7000, map.GetMaster(43)!.Port);
    }

    private static RedisResult Array(params RedisResult[] items) => RedisResult.CreateArray(RedisResultType.Array, items);

    private static RedisResult Int(long value) => RedisResult.Create(RedisResultType.Integer, value);

    private static RedisResult Text(string value) => RedisResult.Create(RedisResultType.BulkString, value);
}
