using System.Text.Json;
using LoadGen.Lab;

namespace LoadGen.UnitTests;

/// <summary>The diagram read from the control API's answers (today's JSON shapes), and what it does when parts are missing.</summary>
public class TopologyDiagramTests
{
    private static ControlResponse Ok(string json) => new(200, JsonDocument.Parse(json).RootElement.Clone(), null);

    private static readonly ControlResponse s_naive = Ok("""
        {"current":"naive","waitForReplicas":0,"switching":null,"available":[
          {"name":"single","cache":"Single"},{"name":"naive","cache":"PerReplica"},{"name":"cluster","cache":"Cluster"}]}
        """);

    private static readonly ControlResponse s_resources = Ok("""
        [{"name":"webfrontend-1","state":"Running","health":"Healthy"},{"name":"webfrontend-0","state":"Running","health":"Unhealthy"},
         {"name":"webfrontend-0-rebuilder","state":"NotStarted"},{"name":"cache-naive-0","state":"Running","health":"Healthy"},
         {"name":"cache-naive-1","state":"Exited","health":null}]
        """);

    [Fact]
    public void EachReplicaUsesTheCacheOfTheTopologyAndAspiresHelperResourcesAreNotReplicas()
    {
        var diagram = TopologyDiagram.Build(s_naive, s_resources, new ControlResponse(409, null, "not started"), "cache-cluster");

        Assert.Equal("naive", diagram.Topology);
        Assert.Equal(
            [new ReplicaCache("webfrontend-0", "Unhealthy", "cache-naive-0", "Healthy"), new ReplicaCache("webfrontend-1", "Healthy", "cache-naive-1", "Exited")],
            diagram.Replicas);
        Assert.Null(diagram.Cluster);
        Assert.Contains("not started", diagram.Message);
    }

    [Fact]
    public void UnderSossEachReplicaUsesTheSossResource()
    {
        var status = Ok("""
            {"current":"soss","waitForReplicas":0,"switching":null,"available":[{"name":"cluster","cache":"Cluster"},{"name":"soss","cache":"Soss"}]}
            """);
        var resources = Ok("""[{"name":"webfrontend-0","state":"Running","health":"Healthy"},{"name":"soss","state":"Running","health":"Healthy"}]""");

        var diagram = TopologyDiagram.Build(status, resources, new ControlResponse(409, null, "not started"), "cache-cluster");

        Assert.Equal([new ReplicaCache("webfrontend-0", "Healthy", "soss", "Healthy")], diagram.Replicas);
    }

    [Fact]
    public void TheClusterShowsRolesSlotRangesAndWhichNodesAreDown()
    {
        var cluster = Ok("""
            {"ok":false,"slotsCovered":16384,"nodes":[
              {"id":"a1","address":"127.0.0.1:7001","role":"Master","masterId":null,"slots":[{"start":0,"end":8191,"count":8192}],"slotCount":8192,"keys":3,"linkState":"connected","processId":11,"failed":false},
              {"id":"b2","address":"127.0.0.1:7002","role":"Master","masterId":null,"slots":[{"start":8192,"end":16383,"count":8192}],"slotCount":8192,"keys":null,"linkState":"disconnected","processId":null,"failed":true},
              {"id":"c3","address":"127.0.0.1:7003","role":"Replica","masterId":"a1","slots":[],"slotCount":0,"keys":3,"linkState":"connected","processId":13,"failed":false}]}
            """);

        var diagram = TopologyDiagram.Build(s_naive, new ControlResponse(0, null, "down"), cluster, "cache-cluster");

        var nodes = diagram.Cluster!.Nodes;
        Assert.Equal(["master", "master", "replica"], nodes.Select(n => n.Role));
        Assert.Equal([0, 8191], nodes[0].Slots.Single());
        Assert.True(nodes[1].Failed);
        Assert.False(nodes[1].Running);
        Assert.Equal("a1", nodes[2].MasterId);
        // Without /api/resources the three replicas of the sample are still drawn.
        Assert.Equal(["webfrontend-0", "webfrontend-1", "webfrontend-2"], diagram.Replicas.Select(r => r.Replica));
    }

    [Fact]
    public void WithoutAControlApiTheDiagramSaysWhy()
    {
        var diagram = TopologyDiagram.Unavailable("unknown", ControlResponse.NotConfigured.Describe());

        Assert.Empty(diagram.Replicas);
        Assert.Contains("ControlApi__Url", diagram.Message);
    }
}
