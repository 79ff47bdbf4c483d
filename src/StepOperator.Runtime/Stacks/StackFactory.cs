using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using StepOperator.Artifacts;
using StepOperator.Configuration;
using StepOperator.Images;
using StepOperator.Registries;
using StepOperator.Stacks.Docker;
using StepOperator.Stacks.Modal;
using StepOperator.Stacks.Local;

namespace StepOperator.Stacks;

/// <summary>Run-time choices that shape a stack.</summary>
/// <param name="PreventBuildReuse">Build and push the image even when its tag exists.</param>
public sealed record StackCreationOptions(bool PreventBuildReuse = false);

/// <summary>Turns a validated stack definition into the components a run uses.</summary>
public static class StackFactory
{
    public const string RegistryPasswordVariable = "STEPOPERATOR_REGISTRY_PASSWORD";

    public static Stack Create(StackDefinition definition, StackConfiguration configuration, string homeDirectory, StackCreationOptions options)
    {
        ComponentDefinition Component(ComponentType type, string name) =>
            configuration.FindComponent(type, name) ?? throw new StackConfigurationException($"{type.CommandName()} '{name}' is not registered.");

        var store = CreateArtifactStore(Component(ComponentType.ArtifactStore, definition.ArtifactStore), homeDirectory);
        var registry = definition.ContainerRegistry is { } registryName ? CreateRegistry(Component(ComponentType.ContainerRegistry, registryName)) : null;
        var image = definition.ImageBuilder is { } builderName ? ImageRequest(Component(ComponentType.ImageBuilder, builderName), registry, options) : null;
        var sharedImage = image is null ? null : new StackImage(image); // one preparation for every operator of the stack

        var created = new Dictionary<string, IStepOperator>(StringComparer.OrdinalIgnoreCase);
        StandbyStepProcesses? standby = null; // one for the stack's local operators, not one each
        LocalProcessStepOperator LocalOperator(ComponentDefinition component)
        {
            var program = LocalProcessStepOperator.CurrentProgram();
            return new LocalProcessStepOperator(program, component.Name, Standby(component) ? standby ??= new StandbyStepProcesses(program) : null);
        }

        IStepOperator Operator(ComponentDefinition component)
        {
            var key = component.Type + "/" + component.Name;
            if (!created.TryGetValue(key, out var made))
            {
                created[key] = made = component.Flavor switch
                {
                    "local" => LocalOperator(component),
                    "docker" => new DockerStepOperator(
                        new DockerStepOperatorOptions(image ?? throw new StackConfigurationException($"Stack '{definition.Name}' runs steps in containers but has no image builder."), GpuPolicy(component))
                        {
                            SharedImage = sharedImage,
                            IgnoreGpusFix = IgnoreGpusFix(component),
                        },
                        component.Name),
                    "modal" => new ModalStepOperator(
                        new ModalStepOperatorOptions(
                            image ?? throw new StackConfigurationException($"Stack '{definition.Name}' uses a Modal step operator but has no image builder."),
                            component.Get("TokenId"),
                            component.Get("TokenSecret"),
                            component.Url("ServerUrl")?.OriginalString,
                            component.Get("AppName"))
                        {
                            SharedImage = sharedImage,
                        },
                        component.Name),
                    _ => throw new StackConfigurationException($"{component.Describe()} cannot run steps."),
                };
            }

            return made;
        }

        var orchestratorComponent = Component(ComponentType.Orchestrator, definition.Orchestrator);
        var orchestrator = Operator(orchestratorComponent);
        var stepOperator = definition.StepOperator is { } stepOperatorName ? Operator(Component(ComponentType.StepOperator, stepOperatorName)) : orchestrator;
        return new Stack(definition.Name, store, orchestrator, stepOperator)
        {
            MaxParallelSteps = MaxParallelSteps(orchestratorComponent),
            ArtifactStoreName = definition.ArtifactStore,
        };
    }

    internal static IArtifactStore CreateArtifactStore(ComponentDefinition component, string homeDirectory) => component.Flavor switch
    {
        "local" => new LocalArtifactStore(component.Get("Path") ?? Path.Combine(homeDirectory, "runs")),
        "s3" => new S3ArtifactStore(new S3ArtifactStoreSettings
        {
            Bucket = component.Require("Bucket"),
            Prefix = component.Get("Prefix") ?? string.Empty,
            ServiceUrl = component.Url("Endpoint"),
            Region = component.Get("Region") ?? "us-east-1",
            ForcePathStyle = bool.TryParse(component.Get("PathStyle"), out var pathStyle) ? pathStyle : component.Get("Endpoint") is not null,
            AccessKeyId = component.Get("AccessKeyId") ?? Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID") ?? component.Require("AccessKeyId"),
            SecretAccessKey = component.Get("SecretAccessKey") ?? Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY") ?? component.Require("SecretAccessKey"),
        }),
        "azure" => new AzureBlobArtifactStore(new AzureBlobArtifactStoreSettings
        {
            Container = component.Require("Container"),
            Prefix = component.Get("Prefix") ?? string.Empty,
            AccountEndpoint = component.Url("Endpoint"),
            AccountName = component.Get("AccountName") ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_ACCOUNT") ?? component.Require("AccountName"),
            AccountKey = AccountKey(component),
        }),
        _ => throw new StackConfigurationException($"{component.Describe()} is not an artifact store flavor."),
    };

    /// <summary>An Azure storage account key: base64, as the portal shows it (a key that is not cannot sign anything).</summary>
    private static string AccountKey(ComponentDefinition component)
    {
        var key = component.Get("AccountKey") ?? Environment.GetEnvironmentVariable("AZURE_STORAGE_KEY") ?? component.Require("AccountKey");
        if (!Convert.TryFromBase64String(key, new byte[key.Length], out _))
        {
            throw new StackConfigurationException(
                $"{component.Describe()}: account_key is not a storage account key (those are base64, as the Azure portal shows them under Access keys). " +
                $"Set it with: {StackValidator.CommandPrefix} artifact-store update {component.Name} --account_key=<key>.");
        }

        return key;
    }

    private static ContainerRegistry CreateRegistry(ComponentDefinition component)
    {
        var user = component.Get("Username");
        var password = component.Get("Password");
        if ((user is null) != (password is null))
        {
            throw new StackConfigurationException(
                $"{component.Describe()}: set both username and password, or neither for an anonymous registry.");
        }

        return new ContainerRegistry(component.Require("Server"), user, password, component.Get("Namespace") ?? "stepoperator");
    }

    private static ImageBuildRequest ImageRequest(ComponentDefinition builder, ContainerRegistry? registry, StackCreationOptions options)
    {
        var entry = Assembly.GetEntryAssembly()?.Location;
        if (string.IsNullOrEmpty(entry))
        {
            throw new InvalidOperationException("Cannot tell which program is running, so there is no build output to put in an image.");
        }

        return new ImageBuildRequest(
            Path.GetDirectoryName(entry)!,
            Path.GetFileName(entry),
            builder.Get("BaseImage") ?? ImageBuildRequest.DefaultBaseImage,
            registry,
            options.PreventBuildReuse)
        {
            BaseImageFix = StackConfiguration.IsBuiltIn(ComponentType.ImageBuilder, builder.Name)
                ? $"set {ImageBuildRequest.BaseImageVariable}=<image> (the built-in image builder '{builder.Name}' reads it)"
                : $"{StackValidator.CommandPrefix} image-builder update {builder.Name} --base_image=<image>",
        };
    }

    /// <summary>How to set a docker component's GPU policy to 'ignore': the variable for a built-in one, its update command otherwise.</summary>
    private static string IgnoreGpusFix(ComponentDefinition component) =>
        StackConfiguration.IsBuiltIn(component.Type, component.Name)
            ? $"set {DockerStepOperatorOptions.GpusVariable}=ignore (the built-in {component.Type.CommandName()} '{component.Name}' reads it)"
            : $"{StackValidator.CommandPrefix} {component.Type.CommandName()} update {component.Name} --gpus=ignore";

    /// <summary>Whether a local operator starts each next step process ahead of its call (setting <c>standby</c>, default true).</summary>
    public static bool Standby(ComponentDefinition component) => component.Get("Standby") switch
    {
        null => true,
        var text when bool.TryParse(text, out var value) => value,
        var text => throw new StackConfigurationException(
            $"{component.Describe()}: standby = '{text}' is not true or false. Set it with: {component.Type.CommandName()} update {component.Name} --standby=false (or true, the default)."),
    };

    /// <summary>The orchestrator's limit on step calls running at once (max_parallel_steps); null or 0 for none.</summary>
    public static int? MaxParallelSteps(ComponentDefinition orchestrator)
    {
        var text = orchestrator.Get("MaxParallelSteps");
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit) || limit < 0)
        {
            throw new StackConfigurationException(
                $"{orchestrator.Describe()}: max_parallel_steps = '{text}' is not a whole number of 0 or more. Set it with: orchestrator update {orchestrator.Name} --max_parallel_steps=4 (0 for no limit).");
        }

        return limit == 0 ? null : limit;
    }

    private static DockerGpuPolicy GpuPolicy(ComponentDefinition component) => component.Get("Gpus")?.ToLowerInvariant() switch
    {
        null or "require" => DockerGpuPolicy.Require,
        "ignore" => DockerGpuPolicy.Ignore,
        var other => throw new StackConfigurationException(
            $"{component.Describe()}: gpus = '{other}' is not a GPU policy; use 'require' (the default) or 'ignore': " +
            (StackConfiguration.IsBuiltIn(component.Type, component.Name)
                ? $"set {DockerStepOperatorOptions.GpusVariable}=require or ignore (the built-in {component.Type.CommandName()} '{component.Name}' reads it)."
                : $"{StackValidator.CommandPrefix} {component.Type.CommandName()} update {component.Name} --gpus=ignore.")),
    };
}

/// <summary>A stack, pipeline or step name that does not exist; the message lists the valid ones.</summary>
public sealed class UnknownNameException(string message) : Exception(message);
