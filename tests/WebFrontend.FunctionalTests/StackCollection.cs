namespace WebFrontend.FunctionalTests;

/// <summary>The tests sharing <see cref="StackFixture"/>; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "stack";
}
