"""The notebook layer: ``%load_ext mlcube_nb`` magics, widget panels, the embedded-platform launcher."""
