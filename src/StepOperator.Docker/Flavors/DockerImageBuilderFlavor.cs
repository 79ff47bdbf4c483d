using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using StepOperator.Components;
using StepOperator.Flavors;

namespace StepOperator.Docker;

/// <summary>The <c>docker</c> image builder: builds the program's linux/amd64 image through the Docker Engine API and pushes it to the stack's registry.</summary>
public sealed class DockerImageBuilderFlavor : Flavor
{
    public const string FlavorName = "docker";

    public override ComponentType Type => ComponentType.ImageBuilder;

    public override string Name => FlavorName;

    public override string Package => "StepOperator.Docker";

    public override string Description => "Builds the program's linux/amd64 image through this machine's Docker engine, tagged by content, and pushes it to the stack's registry.";

    public override IReadOnlyList<FlavorSetting> Settings { get; } = new[]
    {
        new FlavorSetting("BaseImage", $"The .NET runtime image to build on (default {ImageBuildRequest.DefaultBaseImage}).") { Example = "stepoperator/dotnet-runtime:10.0" },
    };

    public override IReadOnlyList<BuiltInComponent> BuiltIns { get; } = new[] { new BuiltInComponent(FlavorName, ("BaseImage", ImageBuildRequest.BaseImageVariable)) };

    /// <summary>What <paramref name="builder"/> builds for the running program, and where it pushes it.</summary>
    public ImageBuildRequest Request(ComponentDefinition builder, ContainerRegistry? registry, StackCreationOptions options)
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
            BaseImageFix = FlavorCatalog.IsBuiltIn(ComponentType.ImageBuilder, builder.Name)
                ? $"set {ImageBuildRequest.BaseImageVariable}=<image> (the built-in image builder '{builder.Name}' reads it)"
                : $"{ProgramCommands.Prefix} image-builder update {builder.Name} --base_image=<image>",
        };
    }
}
