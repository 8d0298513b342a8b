using LoadGen.Api;
using LoadGen.Lab;
using LoadGen.Workloads;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace LoadGen.Pages;

/// <summary>The topology lab: the load's controls start from the configured workload; everything live comes from <c>/api/lab</c>.</summary>
public sealed class IndexModel(LoadService load, LabOptions options, IWebHostEnvironment environment) : PageModel
{
    /// <summary>The workload the form starts with.</summary>
    public Workload Defaults => load.Defaults;

    /// <summary>The largest rate the form accepts (the API's limit).</summary>
    public double MaxRate => Workload.MaxRate;

    /// <summary>The control API, for the header.</summary>
    public Uri? ControlApi => options.ControlApiUrl;

    /// <summary>False when the build could not install Chart.js (no npm): the page says how to fix it instead of drawing nothing.</summary>
    public bool ChartLibraryPresent => environment.WebRootFileProvider.GetFileInfo("lib/chart.umd.min.js").Exists;
}
