using System;
using System.Collections.Generic;
using System.Linq;
using StepOperator.Components;
using StepOperator.Configuration;
using StepOperator.Docker;
using StepOperator.Flavors;
using StepOperator.Modal;
using StepOperator.Planning;
using StepOperator.Stacks;

// The flavor this package brings; a program that references it gets it registered when it starts.
[assembly: Flavor(typeof(ModalStepOperatorFlavor))]

namespace StepOperator.Modal;

/// <summary>
/// The <c>modal</c> step operator: [ModalStep] calls each in a Modal sandbox with the resources they declare, from the
/// program's image pulled from the stack's registry. Its settings and defaults are those of ZenML's Modal step operator
/// (src/zenml/integrations/modal/flavors/modal_step_operator_flavor.py: token_id, token_secret, and the step settings
/// gpu, region, cloud, modal_environment, timeout).
/// </summary>
public sealed class ModalStepOperatorFlavor : StepOperatorFlavor, IWhatIfFlavor
{
    public const string FlavorName = "modal";

    public ModalStepOperatorFlavor()
        : base(ComponentType.StepOperator)
    {
    }

    public override string Name => FlavorName;

    public override string Package => "StepOperator.Modal";

    public override string Description => "Runs [ModalStep] calls in Modal sandboxes with the GPU, CPU and memory they declare, from the program's image.";

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("TokenId", "Modal token id (ak-...); without it, MODAL_TOKEN_ID or ~/.modal.toml, as Modal's SDKs read them.") { Example = "ak-..." },
        new FlavorSetting("TokenSecret", "Modal token secret (as-...), given with token_id; stored in the user-level file only, shown masked.") { Example = "as-..." },
        FlavorSetting.Url("ServerUrl", "Modal's API address (default https://api.modal.com, or MODAL_SERVER_URL)."),
        new FlavorSetting("AppName", "The Modal app the sandboxes belong to (default: the program's name).") { Example = "training" },
    };

    public override IReadOnlyList<string> SecretVariables { get; } = new[] { "MODAL_TOKEN_ID", "MODAL_TOKEN_SECRET" };

    public override IReadOnlyList<string> StepDefaults { get; } = new[]
    {
        nameof(StepSettings.Gpu), nameof(StepSettings.GpuCount), nameof(StepSettings.CpuCount), nameof(StepSettings.Memory),
        nameof(StepSettings.CpuLimit), nameof(StepSettings.MemoryLimit), nameof(StepSettings.Timeout),
        nameof(StepSettings.Region), nameof(StepSettings.Cloud), nameof(StepSettings.ModalEnvironment),
    };

    /// <summary><c>plan --stack modal</c> before a stack of that name is registered: a what-if with what is missing as warnings.</summary>
    public WhatIfStack? WhatIf(string stackName, StackConfiguration configuration) => ModalWhatIf.For(stackName, configuration);

    public override IEnumerable<string> CheckSettings(ComponentDefinition component, Func<string, string?> stored)
    {
        var hasId = component.Settings.Keys.Contains("TokenId", StringComparer.OrdinalIgnoreCase);
        var hasSecret = component.Settings.Keys.Contains("TokenSecret", StringComparer.OrdinalIgnoreCase);
        if (hasId != hasSecret)
        {
            yield return "Modal step operator: token_id and token_secret must be given together. Give both, or neither to use " +
                "MODAL_TOKEN_ID/MODAL_TOKEN_SECRET or ~/.modal.toml.";
        }
    }

    public override IEnumerable<string> CheckStack(StackCheck stack, ComponentDefinition component)
    {
        var name = stack.Definition.Name;
        var prefix = ProgramCommands.Prefix;
        if (stack.Component(ComponentType.ArtifactStore) is { } store && stack.FlavorOf(ComponentType.ArtifactStore) is ArtifactStoreFlavor { IsRemote: false })
        {
            yield return
                $"Stack '{name}': step operator '{component.Name}' runs steps on Modal's machines, which cannot read the local artifact store '{store.Name}'. " +
                $"Register a remote one: {prefix} artifact-store register <name> --flavor=s3 --bucket=... (or --flavor=azure), " +
                $"then: {prefix} stack update {name} -a <name>.";
        }

        if (stack.Definition.ContainerRegistry is null)
        {
            yield return
                $"Stack '{name}': step operator '{component.Name}' runs steps from an image that Modal pulls from a container registry, and the stack has none. " +
                $"Register one: {prefix} container-registry register <name> --flavor=default --server=... --username=... --password=..., " +
                $"then: {prefix} stack update {name} -c <name>.";
        }
        else if (stack.Component(ComponentType.ContainerRegistry) is { } registry && LocalRegistryProblem(stack, component, registry) is { } local)
        {
            yield return local;
        }

        foreach (var problem in StackImages.CheckImageBuilder(stack))
        {
            yield return problem;
        }
    }

    public override IStepOperator Create(ComponentDefinition component, StackBuild stack)
    {
        var image = StackImages.For(stack);
        return new ModalStepOperator(
            new ModalStepOperatorOptions(image.Request, component.Get("TokenId"), component.Get("TokenSecret"), component.Url("ServerUrl")?.OriginalString, component.Get("AppName"))
            {
                SharedImage = image,
            },
            component.Name);
    }

    /// <summary>
    /// A registry on this machine's loopback address cannot be pulled from by Modal's servers; it serves only a
    /// Modal server on this machine too (an emulator at MODAL_SERVER_URL=http://127.0.0.1:PORT).
    /// </summary>
    private static string? LocalRegistryProblem(StackCheck stack, ComponentDefinition stepOperator, ComponentDefinition registry)
    {
        if (registry.Get("Server") is not { } server || !LocalHosts.IsLocal(LocalHosts.HostOfServer(server)))
        {
            return null;
        }

        var modal = ModalServerAddress.Resolve(stepOperator.Get("ServerUrl"));
        if (LocalHosts.IsLocalUrl(modal.Url))
        {
            return null;
        }

        var name = stack.Definition.Name;
        var prefix = ProgramCommands.Prefix;
        return
            $"Stack '{name}': container registry '{registry.Name}' is at {server}, an address of this machine only, and step operator '{stepOperator.Name}' " +
            $"runs steps on Modal's servers ({modal.Url}, from {modal.Source}), which cannot pull the step image from it. " +
            $"Use a registry Modal can reach (ghcr.io, Docker Hub, Amazon ECR, ...): {prefix} container-registry register <name> --flavor=default " +
            $"--server=ghcr.io --namespace=<user> --username=... --password=..., then: {prefix} stack update {name} -c <name>. " +
            "(A Modal server on this machine, such as an emulator at MODAL_SERVER_URL=http://127.0.0.1:PORT, can use it.)";
    }
}
