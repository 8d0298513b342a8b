using Aspire.Hosting.ApplicationModel;

namespace Hosting.UnitTests;

public sealed class ClusterNodeLineTests
{
    private const string Nodes = """
        07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,hostname4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected
        67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922
        292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383
        6ec23923021cf3ffec47632106199cb7f496ce01 127.0.0.1:30005@31005 slave,fail 67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 0 1426238316232 5 disconnected
        e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5459 5460 [5461->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]
        """;

    [Fact]
    public void ParsesRolesSlotsAndFlagsOfEveryLine()
    {
        var lines = ClusterNodeLine.ParseAll(Nodes);

        Assert.Equal(5, lines.Count);
        var me = lines.Single(l => l.IsMyself);
        Assert.Equal(30001, me.Port);
        Assert.Equal(31001, me.BusPort);
        Assert.True(me.IsMaster);
        Assert.Equal(5461, me.SlotCount);
        Assert.True(me.HasOpenSlots);

        var replica = lines[0];
        Assert.Equal("127.0.0.1", replica.Host);
        Assert.Equal(30004, replica.Port);
        Assert.False(replica.IsMaster);
        Assert.Equal(me.Id, replica.MasterId);

        var failed = lines[3];
        Assert.True(failed.IsFailed);
        Assert.Equal("disconnected", failed.LinkState);
        Assert.Equal(0, failed.SlotCount);
    }

    [Fact]
    public void ALineWithTooFewFieldsIsRejected()
    {
        Assert.Throws<FormatException>(() => ClusterNodeLine.Parse("abc 127.0.0.1:1@2 master"));
    }
}
