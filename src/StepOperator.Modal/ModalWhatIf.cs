using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Docker;
using StepOperator.Flavors;
using StepOperator.Planning;
using StepOperator.Stacks;

namespace StepOperator.Modal;

/// <summary>
/// The stack <c>plan --stack modal</c> pictures before one is registered: the local orchestrator, a Modal step
/// operator, a remote artifact store, a container registry and the docker image builder. The components that are
/// registered already are used (the first of each kind that fits); each one that is not is a warning with the
/// command that registers it, and the last warning registers the stack. Steps are planned with Modal's resources
/// and prices; nothing is looked up on Modal or in a registry.
/// </summary>
internal static class ModalWhatIf
{
    private const string ModalFlavor = ModalStepOperatorFlavor.FlavorName;
    private const string StoreName = "artifacts";
    private const string RegistryName = "registry";

    /// <summary>The what-if for <paramref name="stackName"/>, or null when it is not one (a registered stack, or another name).</summary>
    public static WhatIfStack? For(string stackName, StackConfiguration configuration)
    {
        if (configuration.FindStack(stackName) is not null || !string.Equals(stackName, ModalFlavor, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var prefix = ProgramCommands.Prefix;
        var warnings = new List<string>();
        var stepOperator = configuration.Components(ComponentType.StepOperator).FirstOrDefault(c => c.Flavor == ModalFlavor);
        if (stepOperator is null)
        {
            warnings.Add($"no Modal step operator is registered. Register one: {prefix} step-operator register {ModalFlavor} --flavor=modal --token_id=<ak-...> --token_secret=<as-...> " +
                "(without the tokens it uses MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml, as Modal's own SDKs do).");
        }

        var store = configuration.Components(ComponentType.ArtifactStore)
            .FirstOrDefault(c => FlavorCatalog.Find(c.Type, c.Flavor) is ArtifactStoreFlavor { IsRemote: true });
        if (store is null)
        {
            warnings.Add($"no remote artifact store is registered (Modal's machines cannot read a local one). Register one: {prefix} artifact-store register {StoreName} --flavor=s3 " +
                "--bucket=<bucket> --region=<region> --access_key_id=<id> --secret_access_key=<secret> (or --flavor=azure --container=<container> --account_name=<account> --account_key=<key>).");
        }

        var registry = configuration.Components(ComponentType.ContainerRegistry).FirstOrDefault();
        if (registry is null)
        {
            warnings.Add($"no container registry is registered (Modal pulls the step image from one). Register one Modal can reach: {prefix} container-registry register {RegistryName} " +
                "--flavor=default --server=ghcr.io --namespace=<user> --username=<user> --password=<token>.");
        }

        var definition = new StackDefinition(ModalFlavor, StackConfiguration.LocalName, store?.Name ?? StoreName,
            stepOperator?.Name ?? ModalFlavor, registry?.Name ?? RegistryName, DockerImageBuilderFlavor.FlavorName);
        warnings.Add($"stack '{ModalFlavor}' is not registered; this plan is a what-if. Register it: {prefix} stack register {definition.Name} -o {definition.Orchestrator} " +
            $"-s {definition.StepOperator} -a {definition.ArtifactStore} -c {definition.ContainerRegistry} -i {definition.ImageBuilder}, then run with --stack {definition.Name} " +
            $"(or {prefix} stack activate {definition.Name}).");
        return new WhatIfStack(definition, warnings, store, () => StepOperator(definition, stepOperator, configuration));
    }

    /// <summary>The Modal step operator a what-if plans with: its resources and prices, without the image lookup (which needs the registry).</summary>
    private static IStepOperator StepOperator(StackDefinition definition, ComponentDefinition? registered, StackConfiguration configuration)
    {
        var entry = Assembly.GetEntryAssembly()?.Location;
        var builder = configuration.FindComponent(ComponentType.ImageBuilder, DockerImageBuilderFlavor.FlavorName);
        var image = new ImageBuildRequest(
            Path.GetDirectoryName(entry) ?? AppContext.BaseDirectory,
            Path.GetFileName(entry) ?? "program.dll",
            builder?.Get("BaseImage") ?? ImageBuildRequest.DefaultBaseImage,
            Registry: null);
        var modal = new ModalStepOperator(new ModalStepOperatorOptions(image, ServerUrl: registered?.Get("ServerUrl")), definition.StepOperator!);
        return new NoImageLookup(modal, ImageBuilder.RepositoryFor(image.EntryAssembly, registry: null));
    }

    /// <summary>The Modal step operator's resources and prices, without its image lookup (which needs the registry).</summary>
    private sealed class NoImageLookup(ModalStepOperator inner, string repository) : IStepOperator, IAsyncDisposable
    {
        public ValueTask DisposeAsync() => inner.DisposeAsync();

        public string Name => inner.Name;

        public IReadOnlyList<string> UnenforcedSettings(StepSettings settings) => inner.UnenforcedSettings(settings);

        public Task<StepExit> RunAsync(StepLaunch launch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A what-if stack runs no step.");

        public string DescribeResources(StepSettings settings) => inner.DescribeResources(settings);

        public decimal? EstimateHourlyCost(StepSettings settings) => inner.EstimateHourlyCost(settings);

        public string CostBasis => inner.CostBasis;

        public Task<ImagePlan?> PlanImageAsync(CancellationToken cancellationToken) =>
            Task.FromResult<ImagePlan?>(new ImagePlan($"<registry>/{repository}:<content hash>",
                "build and push on the first run (the registry is not looked up in a what-if)"));
    }
}
