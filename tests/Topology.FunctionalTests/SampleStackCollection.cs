namespace Topology.FunctionalTests;

/// <summary>The tests that share one <see cref="SampleStack"/>; each switches to the topology it needs first.</summary>
[CollectionDefinition(Name)]
public sealed class SampleStackCollection : ICollectionFixture<SampleStack>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "sample stack";
}
