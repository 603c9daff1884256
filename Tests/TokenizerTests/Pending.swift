// temporary until tests land
