"""The reception desk (``kiosk --desk``): the site's kiosks with their help calls, and the
fleet view for staff. ``client`` is Qt-free; ``window`` is the Qt window."""
