using System.Reflection;

namespace StepOperator.Runtime.Tests.Architecture;

/// <summary>
/// The runtime's namespaces are layers: each uses only the layers below it, so no two namespaces use each other, and
/// the core knows no backend. The layers, bottom to top, are the table below (docs/architecture.md draws them).
/// </summary>
public class LayerTests
{
    // Bottom to top. A namespace may use the namespaces of lower layers only.
    private static readonly string[][] Layers =
    {
        ["StepOperator.Rules", "StepOperator.Components"],      // resource rules; components and stacks as registered
        ["StepOperator.Artifacts"],                                // the artifact store contract, the local store, serialization
        ["StepOperator"],                                          // the programming model (root: attributes, steps, settings, calls)
        ["StepOperator.Stacks", "StepOperator.Caching"],          // the step operator contract; the cache
        ["StepOperator.Flavors"],                                  // what a backend is: flavors, their settings, stack building
        ["StepOperator.Execution", "StepOperator.Configuration"], // the step process; configuration and the stacks made from it
        ["StepOperator.Local", "StepOperator.Runs"],              // the local backend; orchestration (runs, scheduling, retries, resume)
        ["StepOperator.Reporting"],                                // the console views and reports
        ["StepOperator.Planning"],                                 // plans
        ["StepOperator.Hosting"],                                  // the command line
        [NamespaceGraph.Host],                                     // the root's composing types: StepOperatorHost, StepSubmission
    };

    private static readonly NamespaceGraph Runtime = NamespaceGraph.Of(typeof(StepOperatorHost).Assembly.Location, "StepOperator");

    [Fact]
    public void No_two_namespaces_of_the_runtime_use_each_other()
    {
        var cycles = Runtime.Cycles();

        Assert.True(cycles.Count == 0, "Namespaces that use one another: " + string.Join("; ", cycles.Select(cycle =>
            string.Join(", ", cycle) + " (" + string.Join("; ", cycle.SelectMany(from => Runtime.UsesOf(from).Where(use => cycle.Contains(use.Key)).Select(use => use.Value))) + ")")));
    }

    [Fact]
    public void Every_namespace_is_in_a_layer_and_uses_only_the_layers_below_it()
    {
        int LayerOf(string ns) => Array.FindIndex(Layers, layer => layer.Contains(ns));

        var unplaced = Runtime.Namespaces.Where(ns => LayerOf(ns) < 0).ToList();
        Assert.True(unplaced.Count == 0, $"Namespaces in no layer (add them to the table and to docs/architecture.md): {string.Join(", ", unplaced)}");

        var upward = Runtime.Namespaces
            .SelectMany(from => Runtime.UsesOf(from).Where(use => LayerOf(use.Key) >= LayerOf(from)).Select(use => $"{from} -> {use.Key}: {use.Value}"))
            .ToList();
        Assert.True(upward.Count == 0, "Uses of a layer that is not below: " + string.Join("; ", upward));
    }

    [Fact]
    public void The_core_references_no_backend_and_each_backend_only_the_core_and_its_own_dependencies()
    {
        static IReadOnlyList<string> References(string assembly) =>
            Assembly.Load(assembly).GetReferencedAssemblies().Select(name => name.Name!).ToList();

        string[] backendDependencies = ["Docker.DotNet", "Grpc.Net.Client", "Grpc.Core.Api", "Google.Protobuf", "AWSSDK.S3", "AWSSDK.Core", "Azure.Storage.Blobs", "Azure.Core", "Tomlyn"];
        string[] backends = ["StepOperator.Docker", "StepOperator.Modal", "StepOperator.S3", "StepOperator.Azure"];

        var core = References("StepOperator.Runtime");
        Assert.Empty(core.Intersect(backendDependencies.Concat(backends)));

        Assert.DoesNotContain(References("StepOperator.Docker"), name => backends.Contains(name) || name.StartsWith("Grpc", StringComparison.Ordinal) || name.StartsWith("AWSSDK", StringComparison.Ordinal));
        Assert.Contains("StepOperator.Docker", References("StepOperator.Modal"));
        Assert.DoesNotContain(References("StepOperator.S3"), name => backends.Contains(name) || name.StartsWith("Azure", StringComparison.Ordinal) || name.StartsWith("Docker", StringComparison.Ordinal));
        Assert.DoesNotContain(References("StepOperator.Azure"), name => backends.Contains(name) || name.StartsWith("AWSSDK", StringComparison.Ordinal) || name.StartsWith("Docker", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("StepOperator.Docker")]
    [InlineData("StepOperator.Modal")]
    [InlineData("StepOperator.S3")]
    [InlineData("StepOperator.Azure")]
    public void A_backend_builds_on_the_cores_contracts_not_on_its_orchestration(string backend)
    {
        // A backend implements flavors and operators or stores; the run, its views and the command line are the core's own.
        string[] internals = ["StepOperator.Runs", "StepOperator.Reporting", "StepOperator.Hosting", "StepOperator.Execution", "StepOperator.Local", "StepOperator.Caching"];
        var graph = NamespaceGraph.Of(Assembly.Load(backend).Location, "StepOperator", includeReferences: true);

        var uses = graph.Namespaces.Where(ns => ns.StartsWith(backend, StringComparison.Ordinal))
            .SelectMany(ns => graph.UsesOf(ns).Where(use => internals.Contains(use.Key)).Select(use => use.Value))
            .ToList();
        Assert.True(uses.Count == 0, string.Join("; ", uses));
    }
}
