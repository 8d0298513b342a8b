using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Benchmarks;

/// <summary>
/// The article's figures beside the rows they correspond to: its Redis Cluster, and its ScaleOut client (the one
/// with a client-side cache) beside the near-cache rows. Its ratio of ScaleOut to Redis Cluster was 0.55 for 100
/// reads each and 0.18 for one read each.
/// </summary>
internal sealed class ArticleColumn : IColumn
{
    public string Id => nameof(ArticleColumn);

    public string ColumnName => "Article";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => false;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "The article's figure for the same operation (Redis Cluster; ScaleOut StateServer's client beside the near-cache rows)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var hundred = benchmarkCase.Descriptor.Categories.Contains("100 reads each");
        var description = benchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
        return description switch
        {
            "Redis Cluster 3+3" => hundred ? "295.7 ms (Redis Cluster)" : "46.82 ms (Redis Cluster)",
            _ when description.StartsWith("cluster + near cache", StringComparison.Ordinal)
                => hundred ? "161.9 ms (ScaleOut, 0.55)" : "8.631 ms (ScaleOut, 0.18)",
            _ => "-",
        };
    }
}
